"""Snapshots of the app's screens in the default dark theme and the light theme (snap_compare).

Deterministic: the clock is injected (fixed), the engine is a display-only test double (no AWS: nothing on
these screens depends on a call), cursors do not blink, the terminal size is fixed. No real secret exists
here, and the fake ones must not appear on any screen (asserted separately in test_app.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rs_tui_support import FIXED_NOW, MutableClock, Settings, fake_session
from textual.widgets import Input

SIZE = (130, 40)


class DisplayOnlyEngine:
    """Test double of core.engine.Engine for snapshots: answers the questions the screens ask, no AWS."""

    def needs_mfa_code(self, role: Any, options: Any = None) -> bool:
        return role.mfa_serial is not None

    def mfa_session_left(self, serial: str) -> float | None:
        return None


async def no_blink(pilot: Any) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def build(make_app: Any, theme: str | None = None) -> Any:
    clock = MutableClock(FIXED_NOW)
    app = make_app(clock=clock, engine_factory=DisplayOnlyEngine,
                   settings=Settings(favorites=("staging-dev", "prod-admin")), theme=theme,
                   identity=("alice", "laptop"))
    return app


@pytest.mark.parametrize("theme", [None, "roleswitch-light"], ids=["dark", "light"])
def test_main_screen(snap_compare: Any, make_app: Any, theme: str | None) -> None:
    app = build(make_app, theme)

    async def run_before(pilot: Any) -> None:
        panel = pilot.app.query_one("#sessions")
        panel.upsert("prod-admin", fake_session("prod-admin", FIXED_NOW + timedelta(minutes=47, seconds=5)))
        panel.upsert("staging-dev", fake_session("staging-dev", FIXED_NOW + timedelta(minutes=12),
                                                 account="222222222222"))
        panel.upsert("dev-chained", fake_session("dev-chained", FIXED_NOW + timedelta(minutes=3, seconds=9),
                                                 account="333333333333"))
        await pilot.pause()
        pilot.app.clear_notifications()  # the "expires in under 5 minutes" toast is tested in test_app
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", [None, "roleswitch-light"], ids=["dark", "light"])
def test_filtered_list(snap_compare: Any, make_app: Any, theme: str | None) -> None:
    app = build(make_app, theme)
    assert snap_compare(app, terminal_size=SIZE, press=["slash", *"acme-prod"], run_before=no_blink)


@pytest.mark.parametrize("theme", [None, "roleswitch-light"], ids=["dark", "light"])
def test_assume_dialog_with_validation(snap_compare: Any, make_app: Any, isolated_env: Any,
                                       theme: str | None) -> None:
    # isolated_env: no AWS profile named "base" exists, so the trust lines say (dimly) IAM is not readable.
    app = build(make_app, theme)

    async def run_before(pilot: Any) -> None:
        await pilot.press("2", "enter")  # favorite 2 = prod-admin: MFA, reason required, tags
        await pilot.pause()
        screen = pilot.app.screen
        for _ in range(200):
            if screen.mfa_needed is not None and screen.trust_shown:
                break
            await pilot.pause(0.02)
        screen.query_one("#duration", Input).value = "13h"
        await screen.action_add_tag()
        await pilot.pause()
        row = screen.query(".tag-row")[1]
        row.query_one(".tag-key", Input).value = "aws:bad"
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", [None, "roleswitch-light"], ids=["dark", "light"])
def test_export_dialog_masked(snap_compare: Any, make_app: Any, theme: str | None) -> None:
    app = build(make_app, theme)

    async def run_before(pilot: Any) -> None:
        session = fake_session("staging-dev", FIXED_NOW + timedelta(hours=1), account="222222222222")
        pilot.app.record_session("staging-dev", session, None, None)
        await pilot.pause()
        await pilot.press("e")
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Any, make_app: Any) -> None:
    app = build(make_app)
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])


def test_no_secret_in_any_snapshot() -> None:
    """The fake secret key, session token and External ID of the fixtures never reach a screen."""
    import pathlib

    folder = pathlib.Path(__file__).parent / "__snapshots__" / "test_snapshots"
    files = sorted(folder.glob("*.svg"))
    assert files
    for path in files:
        text = path.read_text()
        for secret in ("fake-secret-value-never-shown", "fake-session-token-never-shown", "ext-secret-42"):
            assert secret not in text, (path.name, secret)
