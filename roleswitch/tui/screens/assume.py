"""The assume dialog: duration, MFA, session tags, names, External ID, session policy, reason.

STS runs in a thread worker that posts a result message: the UI never blocks, a spinner shows progress,
an error appears in the dialog with the core's message, and everything typed stays.

While the dialog is open a second worker reads the role's trust policy (core.policy.trust_report, the trust
screen's code path) and shows its lint findings, one line each, and the preflight verdict. It never assumes
the role to read IAM (no AssumeRole before the user asks for one): it reads with the live session of the
role if there is one, else with the source profile. Unreadable IAM is one dim line, never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from roleswitch.core import limits
from roleswitch.core.errors import ValidationError
from roleswitch.core.model import Role, Session
from roleswitch.tui.forms import human_duration, parse_duration
from roleswitch.tui.screens._workers import error_line
from roleswitch.tui.widgets.tags import TagsEditor

if TYPE_CHECKING:
    from roleswitch.tui.app import RoleswitchApp


class FieldInput(Input):
    """A dialog field whose Enter is handled as the key is read (not when Submitted comes back after the
    keys typed behind it): "reason<Enter>123456" typed in one go fills the reason, then the MFA code."""

    async def _on_key(self, event: events.Key) -> None:
        from roleswitch.tui.widgets.role_list import redirect_typeahead

        if redirect_typeahead(self, event):
            return
        screen = self.screen
        if event.key == "enter" and isinstance(screen, AssumeScreen):
            event.stop()
            event.prevent_default()
            screen.action_enter()
            return
        await super()._on_key(event)


@dataclass(frozen=True)
class AssumeForm:
    """What the user typed, as plain values (AssumeOptions is built in the worker: it imports botocore)."""

    duration_seconds: int | None = None
    mfa_code: str | None = field(default=None, repr=False)
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    session_name: str | None = None
    source_identity: str | None = None
    external_id: str | None = field(default=None, repr=False)
    policy: str | None = None
    reason: str | None = None
    use_cache: bool = True

    def to_options(self, applicable: frozenset[str] | None = None) -> Any:
        """Build the engine's AssumeOptions; reads a session policy file. Raises ValidationError/ConfigError.

        ``applicable``: the option names the role's STS API accepts (engine.applicable_options); the others
        are left out (e.g. a SAML role's session name comes from the assertion)."""
        from roleswitch.core.engine import AssumeOptions

        if applicable is not None:
            return self._only(applicable).to_options()

        policy_arns: tuple[str, ...] = ()
        policy_json: str | None = None
        if self.policy:
            text = self.policy.strip()
            if text.startswith("arn:"):
                policy_arns = limits.validate_policy_arns(
                    [part for part in text.replace(",", " ").split() if part], where="session policy")
            elif text.startswith("{"):
                policy_json = limits.normalise_policy(text, where="session policy")
            else:
                path = os.path.expanduser(text)
                try:
                    with open(path, encoding="utf-8") as handle:
                        policy_json = limits.normalise_policy(handle.read(), where=path)
                except OSError as exc:
                    raise ValidationError(f"cannot read the session policy file ({exc.strerror})",
                                          hint="give managed policy ARNs or a path to a JSON file",
                                          where=path) from None
        return AssumeOptions(
            duration_seconds=self.duration_seconds, mfa_code=self.mfa_code, tags=self.tags,
            transitive_tag_keys=self.transitive_tag_keys, source_identity=self.source_identity,
            session_name=self.session_name, external_id=self.external_id, policy_arns=policy_arns,
            policy_json=policy_json, reason=self.reason, use_cache=self.use_cache)


    def _only(self, applicable: frozenset[str]) -> AssumeForm:
        keep = lambda name, value, empty: value if name in applicable else empty  # noqa: E731
        policy_ok = "policy_arns" in applicable or "policy_json" in applicable
        return AssumeForm(
            duration_seconds=keep("duration_seconds", self.duration_seconds, None),
            mfa_code=keep("mfa_code", self.mfa_code, None), tags=keep("tags", self.tags, ()),
            transitive_tag_keys=keep("transitive_tag_keys", self.transitive_tag_keys, ()),
            session_name=keep("session_name", self.session_name, None),
            source_identity=keep("source_identity", self.source_identity, None),
            external_id=keep("external_id", self.external_id, None),
            policy=self.policy if policy_ok else None, reason=keep("reason", self.reason, None),
            use_cache=self.use_cache)


# Form fields (widget ids) and the AssumeOptions names they fill.
FIELD_OPTIONS = {
    "duration": ("duration_seconds",), "mfa": ("mfa_code",), "session_name": ("session_name",),
    "source_identity": ("source_identity",), "external_id": ("external_id",),
    "policy": ("policy_arns", "policy_json"), "reason": ("reason",), "tags": ("tags",),
}


def applicable_for(role: Role) -> frozenset[str] | None:
    """engine.applicable_options(role) when the engine module is there (import it in a worker: botocore)."""
    try:
        from roleswitch.core.engine import applicable_options
    except ImportError:
        return None
    return frozenset(applicable_options(role))


# Severity marks of the trust lines (the colour comes from the -sev-<severity> class).
SEVERITY_MARK = {"high": "● HIGH", "medium": "● MED ", "low": "○ LOW ", "info": "· info"}
TRUST_UNREADABLE = "trust policy not readable: needs iam:GetRole"


def trust_lines(data: Any) -> list[tuple[str, str]]:
    """(text, CSS class) of each line the dialog shows for a trust report (pure; ``None`` = unreadable).

    Findings first (worst first), then the preflight verdict when roleswitch can tell. The "incomplete"
    note (other parts unreadable) is left to the trust screen: the dialog shows only what lint found."""
    if data is None or not data.trust_readable:
        return [(TRUST_UNREADABLE, "-unreadable")]
    lines = [(f"{SEVERITY_MARK.get(f.severity, f.severity)} {f.rule}: {f.message}", f"-sev-{f.severity}")
             for f in data.findings if f.rule != "incomplete"]
    if not lines:
        lines.append(("✔ trust policy: no findings", "-clean"))
    prediction = data.prediction
    if prediction is not None and prediction.allowed is True:
        lines.append(("✔ preflight: you will be let in", "-allowed"))
    elif prediction is not None and prediction.allowed is False:
        why = "; ".join(prediction.reasons[:2]) or "the trust policy does not allow you"
        lines.append((f"✘ preflight: you will be refused: {why}", "-denied"))
    return lines


class AssumeScreen(ModalScreen[Session | None]):
    """Assume ``role``. Dismisses with the Session, or None when cancelled.

    ``auto_submit`` submits as soon as nothing needs typing (no MFA code needed, no reason missing): used by
    refresh and by the picker. ``previous`` prefills the form (refresh keeps the earlier options).
    """

    DEFAULT_CSS = """
    AssumeScreen #assume-trust { height: auto; max-height: 8; margin-top: 1; display: none; }
    AssumeScreen .trust-line { width: 100%; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    AssumeScreen .trust-line.-sev-high { color: $text-error; text-style: bold; }
    AssumeScreen .trust-line.-sev-medium { color: $text-warning; }
    AssumeScreen .trust-line.-sev-low { color: $text-primary; }
    AssumeScreen .trust-line.-sev-info { color: $text-muted; }
    AssumeScreen .trust-line.-unreadable { color: $text-muted; text-style: dim; }
    AssumeScreen .trust-line.-clean, AssumeScreen .trust-line.-allowed { color: $text-success; }
    AssumeScreen .trust-line.-denied { color: $text-error; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="assume.cancel"),
        Binding("ctrl+s", "submit", "Assume", id="assume.submit"),
        Binding("ctrl+t", "add_tag", "Add tag", id="assume.add_tag"),
    ]

    class MfaChecked(Message):
        def __init__(self, needed: bool, applicable: frozenset[str] | None) -> None:
            super().__init__()
            self.needed = needed
            self.applicable = applicable

    class Done(Message):
        def __init__(self, session: Session, options: Any) -> None:
            super().__init__()
            self.session = session
            self.options = options

    class Failed(Message):
        def __init__(self, error: str, field_id: str | None = None) -> None:
            super().__init__()
            self.error = error
            self.field_id = field_id

    class TrustRead(Message):
        """The trust report of the dialog's role (``data`` None: it could not be made at all)."""

        def __init__(self, data: Any) -> None:
            super().__init__()
            self.data = data

    def __init__(self, role: Role, *, previous: AssumeForm | None = None, auto_submit: bool = False,
                 use_cache: bool = True) -> None:
        super().__init__()
        self.role = role
        self.previous = previous
        self.auto_submit = auto_submit
        self.use_cache = use_cache
        self.mfa_needed: bool | None = None  # None: not known yet (engine loading)
        self.hidden: set[str] = set()  # fields the role's STS API does not take
        self.busy = False
        self.max_session: int | None = None  # the role's MaxSessionDuration once read (worker)
        self.trust: Any = None  # core.policy.trust_report.TrustData once read (worker)
        self.trust_shown = False  # the trust lines are on screen (readable or not)
        # Keys typed ahead (after the Enter that opened the dialog) arrive before its fields exist: they
        # are kept here and replayed into the focused field once it is set, never handed to app bindings.
        self._typeahead: list[events.Key] | None = []

    @property
    def rs_app(self) -> RoleswitchApp:
        return self.app  # type: ignore[return-value]

    # ------------------------------------------------------------------ layout

    def _defaults(self) -> AssumeForm:
        if self.previous is not None:
            return self.previous
        app = self.rs_app
        role = self.role
        session_name = role.role_session_name or app.default_session_name()
        source_identity = role.source_identity or (app.default_source_identity() or "")
        return AssumeForm(duration_seconds=role.duration_seconds, tags=role.session_tags,
                          transitive_tag_keys=role.transitive_tag_keys, session_name=session_name,
                          source_identity=source_identity or None, external_id=role.external_id,
                          policy=" ".join(role.policy_arns) or role.policy_file)

    def _limits_hint(self, max_session: int | None = None) -> str:
        parts = ["STS 15m–12h"]
        if max_session:
            parts.append(f"role max {human_duration(max_session)}")
        if self.role.chained:
            parts.append("chained: 1h cap")
        if self.role.duration_seconds:
            parts.append(f"configured {human_duration(self.role.duration_seconds)}")
        return " · ".join(parts)

    def compose(self) -> ComposeResult:
        form = self._defaults()
        role = self.role
        with Vertical(id="assume-dialog"):
            yield Label(f"Assume [b]{role.name}[/b]", id="assume-title")
            yield Label(role.role_arn or f"{role.kind.value} profile", id="assume-arn", markup=False)
            yield Vertical(id="assume-trust")
            with VerticalScroll(id="assume-form"):
                yield from self._field("duration", "Duration",
                                       FieldInput(human_duration(form.duration_seconds) if form.duration_seconds else "",
                                             placeholder="default (e.g. 1h, 90m, 3600)", id="duration", compact=True),
                                       self._limits_hint())
                if role.mfa_serial:
                    yield from self._field(
                        "mfa", "MFA code",
                        FieldInput("", placeholder="6 digits", id="mfa", max_length=6, restrict=r"[0-9]*", compact=True),
                        f"from {role.mfa_serial} · submits on the sixth digit")
                yield from self._field("session_name", "Session name",
                                       FieldInput(form.session_name or "", id="session_name", compact=True),
                                       "RoleSessionName: shows in CloudTrail")
                yield from self._field("source_identity", "Source identity",
                                       FieldInput(form.source_identity or "", placeholder="(none)",
                                             id="source_identity", compact=True),
                                       "SourceIdentity: sticks through role chains")
                yield from self._field("external_id", "External ID",
                                       FieldInput(form.external_id or "", password=True, placeholder="(none)",
                                             id="external_id", compact=True),
                                       "configured (masked)" if role.external_id else "")
                yield from self._field("policy", "Session policy",
                                       FieldInput(form.policy or "", placeholder="policy ARNs or a JSON file path",
                                             id="policy", compact=True),
                                       "narrows the session's permissions")
                yield from self._field("reason", "Reason" + (" *" if role.reason_required else ""),
                                       FieldInput(form.reason or "", placeholder="ticket or why" +
                                             (" (required)" if role.reason_required else " (optional)"),
                                             id="reason", compact=True),
                                       "recorded as a session tag and in the audit trail")
                yield Label("Session tags  (ctrl+t adds a row)", classes="section-label", id="tags-label")
                yield TagsEditor(form.tags, form.transitive_tag_keys, id="tags")
            yield Static("", id="assume-error", markup=False)
            with Horizontal(id="assume-buttons"):
                yield Static("", id="assume-spinner-slot")
                yield Button("Assume", variant="primary", id="assume-submit")
                yield Button("Cancel", id="assume-cancel")

    @staticmethod
    def _field(name: str, label: str, widget: Input, hint: str) -> ComposeResult:
        with Horizontal(classes="field", id=f"field-{name}"):
            yield Label(label, classes="field-label")
            yield widget
        hint_label = Label(hint, classes="field-hint", id=f"hint-{name}", markup=False)
        hint_label.display = bool(hint)
        yield hint_label
        yield Label("", classes="field-error", id=f"error-{name}", markup=False)

    def on_mount(self) -> None:
        self._focus_first()
        self._replay_typeahead()
        self.check_mfa()
        if self.role.role_arn:
            self.read_trust(self._live_session())

    def _forward_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self._typeahead is not None:
            self._typeahead.append(event)  # nothing is focused yet: keep the key for the field to come
            return
        super()._forward_event(event)

    def _replay_typeahead(self) -> None:
        keys, self._typeahead = self._typeahead or [], None
        for key in keys:
            focused = self.focused
            if key.key == "enter":
                self.action_enter()
            elif key.key == "escape":
                self.action_cancel()
                return
            elif isinstance(focused, Input) and key.is_printable and key.character:
                focused.insert_text_at_cursor(key.character)
            elif focused is not None:
                focused.post_message(events.Key(key.key, key.character))

    def action_enter(self) -> None:
        """Enter in a field: go to the next thing that must be typed (reason, then MFA code), else submit.

        Called by the fields as Enter is read."""
        focused = self.focused
        if not isinstance(focused, Input):
            return
        missing = self._next_missing(after=focused.id)
        if missing is not None:
            self.set_focus(missing)
            return
        self.action_submit()

    def _next_missing(self, after: str | None) -> Input | None:
        """The field still to be typed (required reason, then the MFA code), other than ``after``."""
        if (self.role.reason_required and "reason" not in self.hidden and after != "reason"
                and not self.query_one("#reason", Input).value.strip()):
            return self.query_one("#reason", Input)
        if self._mfa_shown() and after != "mfa" and len(self.query_one("#mfa", Input).value) != 6:
            return self.query_one("#mfa", Input)
        return None

    def _focus_first(self) -> None:
        # set_focus (not .focus(), which defers): digits typed right after Enter must reach the MFA field.
        # The reason first: the MFA code submits on its sixth digit, so it is the last thing typed.
        if self.role.reason_required and not self.query_one("#reason", Input).value.strip():
            self.set_focus(self.query_one("#reason", Input))
        elif self.role.mfa_serial and self.mfa_needed is not False:
            self.set_focus(self.query_one("#mfa", Input))
        else:
            self.set_focus(self.query_one("#assume-submit", Button))

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="mfa-check", exit_on_error=False)
    def check_mfa(self) -> None:
        """Ask the engine (loaded after the first paint) whether an MFA code is needed now."""
        applicable: frozenset[str] | None = None
        try:
            engine = self.rs_app.wait_engine()
            applicable = applicable_for(self.role)
            needed = bool(self.role.mfa_serial) and bool(engine.needs_mfa_code(self.role))
        except Exception:  # the engine failed to load: the submit shows its error
            needed = bool(self.role.mfa_serial)
        if applicable is not None and "mfa_code" not in applicable:
            needed = False
        self.post_message(self.MfaChecked(needed, applicable))
        self.read_max_session()

    @work(thread=True, exclusive=True, group="max-session", exit_on_error=False)
    def read_max_session(self) -> None:
        """The role's own MaxSessionDuration (iam:GetRole, best effort) for the limits line."""
        try:
            engine = self.rs_app.wait_engine()
            reader = getattr(engine, "role_max_session", None)
            seconds = reader(self.role) if reader is not None else None
        except Exception:  # unknown is fine: the line keeps the STS limits
            return
        if seconds:
            self.post_message(self.MaxSession(int(seconds)))

    def _live_session(self) -> Session | None:
        """The role's session in the sessions panel, if any (read on the UI thread)."""
        try:
            from roleswitch.tui.widgets.sessions import SessionsPanel

            return self.app.query_one(SessionsPanel).sessions.get(self.role.name)
        except Exception:  # no panel (a bare host app in tests): the source profile reads alone
            return None

    @work(thread=True, exclusive=True, group="trust-lint", exit_on_error=False)
    def read_trust(self, session: Session | None = None) -> None:
        """Read the role's trust policy and lint it (the trust screen's code path, without assuming)."""
        data = None
        try:
            from roleswitch.core.policy.trust_report import read_trust_report

            try:
                engine = self.rs_app.wait_engine()
            except Exception:  # the source profile still reads without the engine
                engine = None
            data = read_trust_report(self.role, engine, session, assume=False)
        except Exception:  # never an error in the dialog: shown as "not readable"
            data = None
        self.post_message(self.TrustRead(data))

    async def on_assume_screen_trust_read(self, message: TrustRead) -> None:
        self.trust = message.data
        box = self.query_one("#assume-trust", Vertical)
        await box.remove_children()
        await box.mount_all([Static(text, classes=f"trust-line {cls}", markup=False)
                             for text, cls in trust_lines(message.data)])
        box.display = True
        self.trust_shown = True

    class MaxSession(Message):
        def __init__(self, seconds: int) -> None:
            super().__init__()
            self.seconds = seconds

    def on_assume_screen_max_session(self, message: MaxSession) -> None:
        self.max_session = message.seconds
        self._update_limits_hint()

    def _update_limits_hint(self) -> None:
        suffix = " · MFA session cached" if self.role.mfa_serial and self.mfa_needed is False else ""
        self.query_one("#hint-duration", Label).update(self._limits_hint(self.max_session) + suffix)

    def on_assume_screen_mfa_checked(self, message: MfaChecked) -> None:
        self.mfa_needed = message.needed
        if message.applicable is not None:
            self._hide_inapplicable(message.applicable)
        if self.role.mfa_serial:
            for selector in ("#field-mfa", "#hint-mfa"):
                self.query_one(selector).display = message.needed
            if not message.needed:
                self.query_one("#error-mfa").display = False
            self._update_limits_hint()
        if not self.busy and not message.needed and isinstance(self.focused, Input) and self.focused.id == "mfa":
            self._focus_first()  # the MFA field just went away under the cursor
        if self.auto_submit and not self.busy and not self._missing_input():
            self.action_submit()

    def _hide_inapplicable(self, applicable: frozenset[str]) -> None:
        """Offer only what the role's STS API accepts (a SAML role has no session name, tags...)."""
        for name, options in FIELD_OPTIONS.items():
            if any(option in applicable for option in options):
                continue
            self.hidden.add(name)
            if name == "tags":
                for selector in ("#tags", "#tags-label"):
                    self.query_one(selector).display = False
                continue
            for selector in (f"#field-{name}", f"#hint-{name}", f"#error-{name}"):
                for widget in self.query(selector):
                    widget.display = False

    def _mfa_shown(self) -> bool:
        """The MFA field is shown (and required) unless the engine said a cached MFA session covers it."""
        return bool(self.role.mfa_serial) and self.mfa_needed is not False

    def _missing_input(self) -> bool:
        if self._mfa_shown() and len(self.query_one("#mfa", Input).value) != 6:
            return True
        return self.role.reason_required and not self.query_one("#reason", Input).value.strip()

    @work(thread=True, exclusive=True, group="assume", exit_on_error=False)
    def run_assume(self, form: AssumeForm) -> None:
        """Obtain the session off the UI thread; post Done or Failed."""
        try:
            engine = self.rs_app.wait_engine()
            options = form.to_options(applicable_for(self.role))
            session = engine.obtain(self.role, options)
        except BaseException as exc:  # every failure must reach the dialog, never kill the app
            self.post_message(self.Failed(error_line(exc)))
            return
        self.post_message(self.Done(session, options))

    def on_assume_screen_done(self, message: Done) -> None:
        self._set_busy(False)
        self.rs_app.record_session(self.role.name, message.session, message.options, self.current_form())
        self.dismiss(message.session)

    def on_assume_screen_failed(self, message: Failed) -> None:
        self._set_busy(False)
        self.query_one("#assume-error", Static).update(message.error)
        if self._mfa_shown():
            mfa = self.query_one("#mfa", Input)
            mfa.value = ""  # a used or wrong code cannot be reused; everything else stays
            mfa.focus()

    # ------------------------------------------------------------------ form

    def current_form(self, *, mfa: bool = True) -> AssumeForm:
        value = lambda selector: self.query_one(selector, Input).value.strip()  # noqa: E731
        tags = self.query_one(TagsEditor)
        duration_text = value("#duration")
        try:
            duration = parse_duration(duration_text)
        except ValidationError:
            duration = None
        return AssumeForm(
            duration_seconds=duration,
            mfa_code=(value("#mfa") or None) if (mfa and self._mfa_shown()) else None,
            tags=tuple(tags.tags()), transitive_tag_keys=tuple(tags.transitive_keys()),
            session_name=value("#session_name") or None, source_identity=value("#source_identity") or None,
            external_id=self.query_one("#external_id", Input).value or None, policy=value("#policy") or None,
            reason=value("#reason") or None, use_cache=self.use_cache)

    def validate_form(self, only: str | None = None) -> dict[str, str]:
        """Check every field against the AWS limits; show each problem beside its field.

        ``only`` limits what is shown to one field (live validation while typing)."""
        errors: dict[str, str] = {}
        value = lambda selector: self.query_one(selector, Input).value.strip()  # noqa: E731

        def check(name: str, func: Any, *args: Any, **kwargs: Any) -> None:
            if name in self.hidden:
                return
            try:
                func(*args, **kwargs)
            except ValidationError as exc:
                errors[name] = exc.message + (f" ({exc.hint})" if exc.hint else "")

        def duration_check(text: str) -> None:
            seconds = parse_duration(text)
            if seconds is not None:
                limits.validate_duration(seconds, chained=self.role.chained, max_session=self.max_session)

        check("duration", duration_check, value("#duration"))
        if self._mfa_shown():
            check("mfa", limits.validate_mfa_code, value("#mfa"))
        if value("#session_name"):
            check("session_name", limits.validate_session_name, value("#session_name"))
        if value("#source_identity"):
            check("source_identity", limits.validate_source_identity, value("#source_identity"))
        if self.query_one("#external_id", Input).value:
            check("external_id", limits.validate_external_id, self.query_one("#external_id", Input).value)
        policy = value("#policy")
        if policy.startswith("arn:"):
            check("policy", limits.validate_policy_arns, policy.replace(",", " ").split())
        if self.role.reason_required and not value("#reason") and "reason" not in self.hidden:
            errors["reason"] = "this role requires a reason (a ticket or why you need it)"
        for name in ("duration", "mfa", "session_name", "source_identity", "external_id", "policy", "reason"):
            if (only is not None and name != only) or name in self.hidden:
                continue
            try:
                label = self.query_one(f"#error-{name}", Label)
            except Exception:  # NoMatches: the MFA field exists only for MFA roles
                continue
            label.update(errors.get(name, ""))
            label.display = name in errors
        if only is None and "tags" not in self.hidden and self.query_one(TagsEditor).validate_now():
            errors["tags"] = "fix the session tags"
        return errors

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        # The spinner exists only while busy: an idle hidden LoadingIndicator would still animate.
        if busy and not self.query("#assume-spinner"):
            self.query_one("#assume-spinner-slot").mount(LoadingIndicator(id="assume-spinner"))
        elif not busy:
            self.query("#assume-spinner").remove()
        self.query_one("#assume-submit", Button).disabled = busy

    # ------------------------------------------------------------------ events and actions

    @on(Input.Changed)
    def _live_validate(self, event: Input.Changed) -> None:
        if event.input.id == "mfa":
            if len(event.value) == 6 and event.value.isdigit() and not self.busy:
                self.action_submit()  # submits on the sixth digit
            return
        if event.input.id in {"duration", "session_name", "source_identity", "external_id", "policy", "reason"}:
            self.validate_form(only=event.input.id)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#assume-submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#assume-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_submit(self) -> None:
        if self.busy:
            return
        errors = self.validate_form()
        error = self.query_one("#assume-error", Static)
        if errors:
            first = next(iter(errors))
            error.update(f"{len(errors)} field(s) to fix: {first.replace('_', ' ')}: {errors[first]}")
            if first != "tags":
                self.set_focus(self.query_one(f"#{first}", Input))
            return
        error.update("")
        self._set_busy(True)
        self.run_assume(self.current_form())

    async def action_add_tag(self) -> None:
        row = await self.query_one(TagsEditor).add_row()
        row.query_one(".tag-key", Input).focus()

    def action_cancel(self) -> None:
        # A running STS call finishes in its thread; its result is dropped with the screen.
        self.workers.cancel_group(self, "assume")
        self.dismiss(None)
