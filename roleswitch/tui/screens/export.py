"""The export dialog: every shell format or a named credentials profile, masked preview until revealed,
copy to the clipboard (OSC 52), write the profile, or open a shell with the credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from roleswitch.core import export
from roleswitch.core.errors import RoleswitchError
from roleswitch.core.model import Session, format_time

if TYPE_CHECKING:
    from roleswitch.tui.app import RoleswitchApp

PROFILE = "profile"
FORMAT_LABELS = {
    "bash": "bash", "zsh": "zsh", "fish": "fish", "pwsh": "PowerShell", "nu": "nushell",
    "dotenv": ".env", "json": "JSON", "process": "credential_process", PROFILE: "credentials profile",
}
MASK = "****"


def profile_preview(session: Session, name: str, *, masked: bool = True) -> str:
    """The ``[name]`` section that writing the profile puts in the credentials file."""
    creds = session.credentials
    lines = [f"[{name}]", f"aws_access_key_id = {creds.access_key_id}",
             f"aws_secret_access_key = {MASK if masked else creds.secret_access_key}"]
    if creds.session_token:
        lines.append(f"aws_session_token = {MASK if masked else creds.session_token}")
    if creds.expiration:
        lines.append(f"# expires {format_time(creds.expiration)}")
    if session.region:
        lines.append(f"region = {session.region}")
    return "\n".join(lines)


def shell_environment(session: Session, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with the session's variables set (and AWS_PROFILE removed), for a child shell."""
    env = dict(base)
    for key, value in export.export_variables(session).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_shell(session: Session, *, shell: str | None = None, stdout: IO[str] | int | None = None) -> int:
    """Run ``$SHELL`` (or ``shell``) with the session's credentials in its environment; its exit code."""
    program = shell or os.environ.get("SHELL") or "/bin/sh"
    completed = subprocess.run([program], env=shell_environment(session, os.environ), stdout=stdout,
                               check=False)
    return completed.returncode


class ExportScreen(ModalScreen[None]):
    """Export ``session``: pick a format on the left, the preview (masked) on the right."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="export.close"),
        Binding("v", "reveal", "Reveal/mask", id="export.reveal"),
        Binding("c", "copy", "Copy", id="export.copy"),
        Binding("w", "write_profile", "Write profile", id="export.write"),
        Binding("s", "shell", "Shell here", id="export.shell"),
    ]

    def __init__(self, session: Session, *, fmt: str = "bash") -> None:
        super().__init__()
        self.session = session
        self.fmt = fmt if fmt in FORMAT_LABELS else "bash"
        self.revealed = False

    @property
    def rs_app(self) -> RoleswitchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(f"Export [b]{self.session.profile}[/b]", id="export-title")
            with Horizontal(id="export-body"):
                yield OptionList(*[Option(label, id=fmt) for fmt, label in FORMAT_LABELS.items()],
                                 id="export-formats")
                with Vertical(id="export-right"):
                    yield Static("", id="export-preview", markup=False)
                    with Horizontal(id="export-profile-row"):
                        yield Label("Profile name", classes="field-label")
                        yield Input(self.session.profile, id="export-profile-name")
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Reveal (v)", id="export-reveal")
                yield Button("Copy (c)", variant="primary", id="export-copy")
                yield Button("Write profile (w)", id="export-write")
                yield Button("Shell here (s)", id="export-shell")
                yield Button("Close", id="export-close")

    def on_mount(self) -> None:
        formats = self.query_one("#export-formats", OptionList)
        formats.highlighted = formats.get_option_index(self.fmt)
        formats.focus()
        self.refresh_preview()

    def text(self, *, masked: bool) -> str:
        """The export text in the selected format (masked for the preview unless revealed)."""
        if self.fmt == PROFILE:
            return profile_preview(self.session, self.profile_name, masked=masked)
        return export.render(self.fmt, self.session, masked=masked)

    @property
    def profile_name(self) -> str:
        return self.query_one("#export-profile-name", Input).value.strip() or self.session.profile

    def refresh_preview(self) -> None:
        self.query_one("#export-profile-row").display = self.fmt == PROFILE
        self.query_one("#export-write", Button).disabled = self.fmt != PROFILE
        self.query_one("#export-reveal", Button).label = "Mask (v)" if self.revealed else "Reveal (v)"
        try:
            preview = self.text(masked=not self.revealed)
        except RoleswitchError as exc:
            preview = exc.one_line()
        self.query_one("#export-preview", Static).update(preview)

    def status(self, text: str) -> None:
        self.query_one("#export-status", Static).update(text)

    @on(OptionList.OptionHighlighted, "#export-formats")
    def _format_changed(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id:
            self.fmt = event.option_id
            self.refresh_preview()

    @on(OptionList.OptionSelected, "#export-formats")
    def _format_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == PROFILE:
            self.query_one("#export-profile-name", Input).focus()
        else:
            self.action_copy()

    @on(Input.Changed, "#export-profile-name")
    def _profile_name_changed(self) -> None:
        self.refresh_preview()

    @on(Input.Submitted, "#export-profile-name")
    def _profile_name_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_write_profile()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"export-reveal": self.action_reveal, "export-copy": self.action_copy,
                   "export-write": self.action_write_profile, "export-shell": self.action_shell,
                   "export-close": self.action_close}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.refresh_preview()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text(masked=False))  # OSC 52: works over SSH too
        label = FORMAT_LABELS.get(self.fmt, self.fmt)
        self.status(f"Copied the {label} export to the clipboard (OSC 52)")
        self.app.notify(f"{label} export of {self.session.profile} copied", title="Clipboard")

    def action_write_profile(self) -> None:
        if self.fmt != PROFILE:
            formats = self.query_one("#export-formats", OptionList)
            formats.highlighted = formats.get_option_index(PROFILE)
            self.fmt = PROFILE
            self.refresh_preview()
            self.query_one("#export-profile-name", Input).focus()
            return
        self.status("Writing…")
        self.write_profile(self.profile_name)

    def _from_aws_profile(self, name: str) -> bool:
        try:
            return self.rs_app.role(name).origin == "aws"
        except Exception:  # noqa: BLE001 - an unknown name cannot be the profile in use
            return False

    @work(thread=True, exclusive=True, group="write-profile", exit_on_error=False)
    def write_profile(self, name: str) -> None:
        from roleswitch.core import awsconfig, paths

        path = paths.aws_credentials_file()
        if name == self.session.profile and self._from_aws_profile(name):
            # Keys written into the AWS profile this session came from would sit beside its role_arn, where
            # the SDKs ignore them (the role wins): refuse, as `export --write-profile` does.
            self.app.call_from_thread(
                self.status, f"[{name}] is the AWS profile this session comes from: pick another name")
            return
        try:
            awsconfig.write_credentials_profile(path, name, self.session.credentials, region=self.session.region)
        except RoleswitchError as exc:
            self.app.call_from_thread(self.status, exc.one_line())
            return
        except OSError as exc:
            self.app.call_from_thread(self.status, f"{path}: cannot write ({exc.strerror})")
            return
        self.app.call_from_thread(self.status, f"Wrote profile [{name}] to {path} (0600); use AWS_PROFILE={name}")

    def action_shell(self) -> None:
        """Suspend the app, run $SHELL with the credentials, come back when it exits."""
        from textual.app import SuspendNotSupported

        # In the picker stdout is the caller's $(...): the shell must talk to the terminal instead.
        stdout = None if sys.__stdout__ is not None and sys.__stdout__.isatty() else sys.__stderr__
        try:
            with self.app.suspend():
                code = run_shell(self.session, stdout=stdout)
        except SuspendNotSupported:
            self.status("Shell here needs a real terminal (not available in this environment)")
            return
        except OSError as exc:
            self.status(f"cannot start the shell ({exc.strerror})")
            return
        self.status(f"Shell exited ({code}); back in roleswitch")

    def action_close(self) -> None:
        self.dismiss(None)
