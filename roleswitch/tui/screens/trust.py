"""Trust analysis of a role: who can assume it in plain words, lint findings with the statement they come
from, and a preflight that predicts whether *you* (the source identity, with the configured External ID,
MFA, tags and source identity) will be let in, and why not.

IAM and STS reads run in a thread worker that posts :class:`TrustScreen.Loaded`. External ID values are
never shown (the statement view redacts them).
"""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, LoadingIndicator, Static

from roleswitch.core.model import Role, Session
from roleswitch.core.policy.trust_report import TrustData
from roleswitch.tui.screens._workers import engine_of, failure_line

__all__ = ["TrustScreen"]

_SEVERITY_MARK = {"high": "● HIGH", "medium": "● MED", "low": "○ LOW", "info": "· info"}


class TrustScreen(Screen[None]):
    """Who can assume ``role``, what is risky in its trust policy, and whether you will get in."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="trust.close"),
        Binding("ctrl+r", "refresh", "Re-read IAM", id="trust.refresh"),
    ]

    DEFAULT_CSS = """
    TrustScreen { layout: vertical; }
    TrustScreen #trust-title { padding: 0 1; text-style: bold; color: $text-accent; }
    TrustScreen #trust-loading { height: 3; }
    TrustScreen #trust-who { padding: 0 1; height: auto; }
    TrustScreen #trust-preflight { padding: 0 1; height: auto; margin-top: 1; }
    TrustScreen #trust-preflight.-allowed { color: $success; }
    TrustScreen #trust-preflight.-denied { color: $error; }
    TrustScreen #trust-findings { height: auto; max-height: 12; margin-top: 1; }
    TrustScreen #trust-statement { padding: 0 1; height: auto; color: $text-muted; }
    """

    class Loaded(Message):
        def __init__(self, data: TrustData) -> None:
            super().__init__()
            self.data = data

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, role: Role, engine: Any = None, *, session: Session | None = None,
                 policy_cache: Any = None) -> None:
        super().__init__()
        self.role = role
        self.engine = engine
        self.session = session
        self.policy_cache = policy_cache
        self.data: TrustData | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Trust · {self.role.name}  {self.role.role_arn or ''}", id="trust-title", markup=False)
        yield LoadingIndicator(id="trust-loading")
        with VerticalScroll():
            yield Static("reading the trust policy…", id="trust-who", markup=False)
            yield Static("", id="trust-preflight", markup=False)
            yield DataTable(id="trust-findings", cursor_type="row")
            yield Static("", id="trust-statement", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#trust-findings", DataTable).add_columns("Severity", "Rule", "Finding", "Statement")
        self.load()

    def _engine(self) -> Any:
        return engine_of(self, self.engine)

    @work(thread=True, exclusive=True, group="trust-load", exit_on_error=False)
    def load(self, refresh: bool = False) -> None:
        """Read the role from IAM and the caller from STS; post Loaded or Failed."""
        try:
            self.post_message(self.Loaded(self._compute(refresh)))
        except BaseException as exc:  # noqa: BLE001 - must reach the screen, never kill the app
            self.post_message(self.Failed(failure_line(exc)))

    def _compute(self, refresh: bool) -> TrustData:
        from roleswitch.core.policy.trust_report import read_trust_report

        return read_trust_report(self.role, self._engine(), self.session, assume=True, cache=self.policy_cache,
                                 refresh=refresh)

    def on_trust_screen_loaded(self, message: Loaded) -> None:
        self.data = data = message.data
        self.query_one("#trust-loading").display = False
        lines = ["Who can assume this role:"]
        lines += [f"  {line}" for line in data.who] or ["  (unknown: the trust policy could not be read)"]
        if data.policies.max_session_duration:
            hours = data.policies.max_session_duration / 3600
            lines.append(f"MaxSessionDuration: {data.policies.max_session_duration} s ({hours:g} h)")
        self.query_one("#trust-who", Static).update("\n".join(lines))
        preflight = self.query_one("#trust-preflight", Static)
        preflight.remove_class("-allowed", "-denied")
        verdict = {True: "✔ you will be let in", False: "✘ you will be refused",
                   None: "? cannot tell whether you will be let in"}[data.prediction.allowed]
        who = f" ({data.caller})" if data.caller else ""
        preflight.update("\n".join([f"Preflight{who}: {verdict}", *(f"  {r}" for r in data.prediction.reasons)]))
        if data.prediction.allowed is not None:
            preflight.add_class("-allowed" if data.prediction.allowed else "-denied")
        table = self.query_one("#trust-findings", DataTable)
        table.clear()
        for index, finding in enumerate(data.findings):
            short = finding.message if len(finding.message) <= 72 else finding.message[:71] + "…"
            table.add_row(_SEVERITY_MARK.get(finding.severity, finding.severity), finding.rule, short,
                          finding.sid or ("" if finding.statement is None else "(no Sid)"), key=str(index))
        if not data.findings:
            table.add_row("✔", "", "no findings", "")
        self._show_statement(0)

    def on_trust_screen_failed(self, message: Failed) -> None:
        self.query_one("#trust-loading").display = False
        self.query_one("#trust-who", Static).update(f"! {message.error}")

    def _show_statement(self, index: int) -> None:
        from roleswitch.core.policy.lint import redact_statement

        out = self.query_one("#trust-statement", Static)
        if self.data is None or not 0 <= index < len(self.data.findings):
            out.update("")
            return
        finding = self.data.findings[index]
        text = f"{finding.severity.upper()} {finding.rule}: {finding.message}"
        if finding.statement is not None:
            text += "\n" + json.dumps(redact_statement(finding.statement), indent=2)
        out.update(text)

    @on(DataTable.RowHighlighted, "#trust-findings")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            try:
                self._show_statement(int(event.row_key.value))
            except ValueError:
                pass

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.query_one("#trust-loading").display = True
        self.load(True)
