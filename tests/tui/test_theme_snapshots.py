"""Snapshots of every main screen and dialog in the light and high-contrast themes (the app's own snapshot
tests cover roleswitch-dark).

Deterministic: the clock is injected (FIXED_NOW), the terminal size is fixed, input cursors do not blink,
the default session name is pinned (it is normally user@host). No AWS call is made: a test double engine
answers the assume dialog's "is an MFA code needed?" question. The sessions carry obviously fake secrets
and every test asserts that none of them reaches the SVG.

Update after an intended UI change: ``.venv/bin/pytest tests/tui/test_theme_snapshots.py --snapshot-update``
and look at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from rs_tui_support import FIXED_NOW, MutableClock, Settings, fake_session
from textual.pilot import Pilot
from textual.widgets import Input

from roleswitch.core.model import Role

SIZE = (140, 44)
THEMES = ("roleswitch-light", "roleswitch-high-contrast")
SECRETS = ("fake-secret-value-never-shown", "fake-session-token-never-shown", "ext-secret-42")


class SnapshotEngine:
    """Test double of core.engine.Engine for display-only snapshots: answers what the screens ask while
    they are drawn and refuses to obtain credentials (no snapshot submits)."""

    def needs_mfa_code(self, role: Role, options: Any = None) -> bool:
        return role.mfa_serial is not None

    def mfa_session_left(self, serial: str) -> float | None:
        return None

    def obtain(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("snapshot tests never call STS")


async def settle(pilot: Pilot) -> None:
    """Let workers and layout finish, then stop every input cursor from blinking."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


async def wait_until(pilot: Pilot, predicate: Callable[[], bool], tries: int = 200) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def add_sessions(app: Any) -> None:
    """Three sessions: plenty of time, under 15 minutes (warning), expired (critical colour)."""
    app.record_session("prod-admin", fake_session("prod-admin", FIXED_NOW + timedelta(minutes=55)), None, None)
    app.record_session("staging-dev", fake_session("staging-dev", FIXED_NOW + timedelta(minutes=12, seconds=5),
                                                   account="222222222222"), None, None)
    app.record_session("dev-chained", fake_session("dev-chained", FIXED_NOW - timedelta(minutes=1),
                                                   account="333333333333"), None, None)


async def show_catalogue(pilot: Pilot) -> None:
    await pilot.press("slash", *"prod")
    await settle(pilot)


async def show_assume(pilot: Pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.engine is not None)
    await pilot.press("enter")  # prod-admin: MFA, reason required, a transitive tag, an External ID
    screen = app.screen
    await wait_until(pilot, lambda: getattr(screen, "mfa_needed", None) is True)
    await wait_until(pilot, lambda: screen.trust_shown)  # no profile "base" here: IAM is not readable
    screen.query_one("#duration", Input).value = "1h"
    screen.query_one("#reason", Input).value = "INC-4711 failover drill"
    await screen.action_add_tag()
    await pilot.pause()
    row = screen.query(".tag-row")[1]
    row.query_one(".tag-key", Input).value = "ticket"
    row.query_one(".tag-value", Input).value = "INC-4711"
    screen.query_one("#mfa", Input).focus()  # empty: MFA codes are secrets too, none is typed here
    await settle(pilot)


async def show_sessions(pilot: Pilot) -> None:
    add_sessions(pilot.app)
    pilot.app.action_sessions()  # the action, not its key: keys can be remapped
    await settle(pilot)


async def show_export(pilot: Pilot) -> None:
    add_sessions(pilot.app)
    pilot.app.action_sessions()
    await pilot.press("home")
    pilot.app.action_export()  # the first session; the preview is masked
    await settle(pilot)


async def show_help(pilot: Pilot) -> None:
    await pilot.press("question_mark")
    await settle(pilot)


SCREENS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "catalogue": show_catalogue,
    "assume": show_assume,
    "sessions": show_sessions,
    "export": show_export,
    "help": show_help,
}


@pytest.fixture
def snapshot_app(make_app: Callable[..., Any], isolated_env: Any) -> Callable[[str], Any]:
    """The app on the sample catalogue; HOME and the config folder are temporary (no user theme files)."""

    def build(theme: str | None, *, configured: str | None = None) -> Any:
        settings = Settings(favorites=("prod-admin", "staging-dev"), theme=configured)
        app = make_app(clock=MutableClock(FIXED_NOW), settings=settings, theme=theme,
                       engine_factory=SnapshotEngine)
        app.default_session_name = lambda: "alice@laptop"  # normally user@host: differs per machine
        return app

    return build


@pytest.fixture
def taken_svgs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SVG snap_compare takes (the real function, wrapped to keep its result for the secret checks;
    the stored snapshot is only written at the end of the session under --snapshot-update)."""
    import textual._doc

    taken: list[str] = []
    original = textual._doc.take_svg_screenshot

    def keep(*args: Any, **kwargs: Any) -> str:
        svg = original(*args, **kwargs)
        taken.append(svg)
        return svg

    monkeypatch.setattr(textual._doc, "take_svg_screenshot", keep)
    return taken


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("theme", THEMES)
def test_theme_snapshot(snap_compare, snapshot_app, taken_svgs, theme: str, screen: str) -> None:
    app = snapshot_app(theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=SCREENS[screen])
    assert app.theme == theme
    [svg] = taken_svgs
    for secret in SECRETS:
        assert secret not in svg
    if screen == "export":
        assert "ASIAFAKEKEYFORTESTS1" in svg  # the key id is shown, the secrets are masked


@pytest.mark.parametrize("theme", THEMES)
def test_broken_theme_files_snapshot(snap_compare, snapshot_app, taken_svgs, isolated_env, theme: str) -> None:
    """Three broken user theme files and an unknown --theme: one warning lists all four, the app runs on."""
    themes = isolated_env.settings_file.parent / "themes"
    themes.mkdir()
    (themes / "ocean.toml").write_text('name = "ocean"\nprimary = "#1b6ca8"\nbackgrund = "#001122"\n')
    (themes / "sunset.toml").write_text('name = "sunset"\nprimary = "orange"\n')
    (themes / "mono.toml").write_text('name = "mono"\nprimary = "#777777"\n[variables]\nborder = "auto 50%"\n')
    # The config file names the theme; the bad --theme falls back to it.
    app = snapshot_app("solarized-typo", configured=theme)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    assert app.theme == theme
    [svg] = taken_svgs
    for name in ("ocean.toml", "sunset.toml", "mono.toml", "solarized-typo"):
        assert name in svg
