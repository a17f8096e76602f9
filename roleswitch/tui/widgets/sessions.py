"""The sessions panel: every live session with a countdown recomputed from its expiry every second."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable

from roleswitch.core.model import Clock, Session
from roleswitch.tui.forms import countdown

LEVEL_STYLES = {
    "ok": "",
    "none": "dim",
    "warning": "bold $rs-expiry-warning",
    "critical": "bold $rs-expiry-critical",
    "expired": "strike $rs-expiry-critical",
}


def _serial_account(serial: str) -> str | None:
    """The account id of a virtual MFA device ARN (as core.engine.mfa_serial_account; kept here so the
    panel does not import the engine and botocore on the UI thread)."""
    parts = serial.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4].isdigit() and len(parts[4]) == 12:
        return parts[4]
    return None


class SessionsPanel(DataTable[Content | str]):
    """Live sessions, keyed by name (the catalogue name, or ``mfa:<serial>`` for MFA sessions)."""

    class ExpiringSoon(Message):
        """A session crossed the critical threshold (posted once per session and expiry)."""

        def __init__(self, key: str, session: Session) -> None:
            super().__init__()
            self.key = key
            self.session = session

    def __init__(self, now: Clock, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.now = now
        self.sessions: dict[str, Session] = {}
        self._warned: set[tuple[str, datetime | None]] = set()

    def on_mount(self) -> None:
        self.add_column("Role", key="role")
        self.add_column("Account", key="account")
        self.add_column("Left", key="left", width=9)
        self.add_column("Via", key="api")
        self.set_interval(1.0, self.tick, name="countdown")

    def _left_cell(self, session: Session, now: datetime) -> tuple[Content, str]:
        text, level = countdown(session.expiration, now)
        return Content.styled(f"{text:>8}", LEVEL_STYLES[level]), level

    def upsert_many(self, sessions: list[tuple[str, Session]]) -> None:
        """Add the sessions not shown yet (the cache read at start-up), then one countdown pass for all."""
        for key, session in sessions:
            if key not in self.sessions:
                self.upsert(key, session, tick=False)
        self.tick()

    def upsert(self, key: str, session: Session, *, tick: bool = True) -> None:
        """Add or replace the session shown for ``key``."""
        now = self.now()
        left, _level = self._left_cell(session, now)
        account = session.account_id
        if key.startswith("mfa:"):
            label = f"MFA {key[4:].rsplit('/', 1)[-1]}"
            # The user's account (the MFA device's): sessions cached by older versions carried the role's.
            account = _serial_account(key[4:]) or account
        else:
            label = session.profile
        cells = (label, account or "—", left, session.api.value)
        if key in self.sessions:
            for column, value in zip(("role", "account", "left", "api"), cells, strict=True):
                self.update_cell(key, column, value)
        else:
            self.add_row(*cells, key=key)
        self.sessions[key] = session
        if tick:
            self.tick()

    def remove(self, key: str) -> None:
        if key in self.sessions:
            del self.sessions[key]
            self.remove_row(key)

    @property
    def selected_key(self) -> str | None:
        if not self.sessions or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return row_key.value

    def tick(self) -> None:
        """Recompute every countdown from the expiry and the clock (never by counting ticks)."""
        now = self.now()
        for key, session in self.sessions.items():
            left, level = self._left_cell(session, now)
            self.update_cell(key, "left", left)
            marker = (key, session.expiration)
            if level == "critical" and marker not in self._warned:
                self._warned.add(marker)
                self.post_message(self.ExpiringSoon(key, session))
