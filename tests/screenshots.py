"""Regenerate the README's screenshots from the demo: ``.venv/bin/python tests/screenshots.py``.

It starts the embedded demo (moto over HTTP, seeded accounts and roles, see roleswitch.demo), obtains real
sessions through the real Engine, then drives the real app with Textual's pilot at 160x45 and writes
``screenshots/*.svg``; with ``--png`` it also renders PNGs.

Determinism: one injected, frozen clock (countdowns are computed from it), the session name and source
identity pinned to ``alice@laptop``/``alice`` (normally user@host), no port or path on screen, input
cursors not blinking. Safety: every secret of the demo (the static secret key, each session's secret key
and token) is checked to be absent from every SVG; the script fails otherwise.

PNG rendering needs one of (neither is a dependency of roleswitch):
  apt-get install librsvg2-bin fonts-firacode fonts-symbola   # rsvg-convert; Fira Code is Textual's font
  .venv/bin/pip install cairosvg                                # the fallback renderer (needs libcairo2)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

SIZE = (160, 45)
SESSION_NAME = "alice@laptop"
SOURCE_IDENTITY = "alice"
SUBTITLE = "demo · local AWS · any 6-digit MFA code works"


class FrozenClock:
    """The injected clock: returns ``current`` until told otherwise (it never moves by itself)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


class World:
    """The demo's catalogue, cache and engine, sharing one frozen clock."""

    def __init__(self, clock: FrozenClock, workdir: str) -> None:
        from roleswitch.core.cache import CredentialCache
        from roleswitch.core.catalogue import load_catalogue
        from roleswitch.core.engine import Engine

        self.clock = clock
        self.workdir = workdir
        self.catalogue = load_catalogue()
        self.cache = CredentialCache(now=clock)
        self.engine = Engine(self.catalogue, self.cache, settings=self.catalogue.settings, now=clock)

    def obtain(self, name: str, **options: Any) -> Any:
        from roleswitch.core.engine import AssumeOptions

        return self.engine.obtain(name, AssumeOptions(session_name=SESSION_NAME, source_identity=SOURCE_IDENTITY,
                                                      **options))

    def secrets(self) -> set[str]:
        found: set[str] = set()
        for entry in self.cache.entries():
            found.add(entry.session.credentials.secret_access_key)
            if entry.session.credentials.session_token:
                found.add(entry.session.credentials.session_token)
        return found

    def app(self, theme: str | None = None) -> Any:
        from roleswitch.tui.app import RoleswitchApp

        app = RoleswitchApp(self.catalogue, lambda: self.engine, self.cache, self.clock, theme=theme,
                            recents_path=os.path.join(self.workdir, "recents.json"), subtitle=SUBTITLE)
        app.default_session_name = lambda: SESSION_NAME  # type: ignore[method-assign]
        app.default_source_identity = lambda: SOURCE_IDENTITY  # type: ignore[method-assign]
        return app


async def _until(pilot: Any, predicate: Callable[[], bool], what: str, tries: int = 500) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise RuntimeError(f"screenshots: timed out waiting for {what}")


async def _settle(pilot: Any) -> None:
    from textual.widgets import Input

    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _started(pilot: Any, sessions: int = 0) -> None:
    from roleswitch.tui.widgets.sessions import SessionsPanel

    app = pilot.app
    await _until(pilot, lambda: app.engine is not None, "the engine")
    panel = app.query_one(SessionsPanel)
    await _until(pilot, lambda: len(panel.sessions) >= sessions, "the cached sessions")


def _point_at(pilot: Any, role: str, session: str) -> None:
    """Select ``role`` in the catalogue and put the sessions cursor on ``session`` (so the other rows
    keep their countdown colours instead of the cursor's)."""
    from roleswitch.tui.widgets.role_list import RoleList
    from roleswitch.tui.widgets.sessions import SessionsPanel

    app = pilot.app
    roles = app.query_one(RoleList)
    roles.select_name(role)
    panel = app.query_one(SessionsPanel)
    panel.move_cursor(row=panel.get_row_index(session))


async def catalogue(pilot: Any) -> None:
    from roleswitch.tui.widgets.role_list import RoleList

    await _started(pilot, sessions=3)
    _point_at(pilot, "prod-admin", "prod-admin")  # MFA, reason required, session tags
    pilot.app.query_one(RoleList).focus()
    await _settle(pilot)


async def assume(pilot: Any) -> None:
    from textual.widgets import Input

    await _started(pilot)
    await pilot.press("slash", *"prod-admin", "enter")
    screen = pilot.app.screen
    await _until(pilot, lambda: getattr(screen, "mfa_needed", None) is not None, "the MFA check")
    screen.query_one("#reason", Input).value = "INC-4711 failover drill"
    await screen.action_add_tag()
    await pilot.pause()
    row = screen.query(".tag-row")[-1]
    row.query_one(".tag-key", Input).value = "ticket"
    row.query_one(".tag-value", Input).value = "INC-4711"
    screen.query_one("#mfa", Input).focus()  # left empty: an MFA code never goes into a screenshot
    await _settle(pilot)


async def sessions(pilot: Any) -> None:
    await _started(pilot, sessions=3)
    pilot.app.action_sessions()  # the action, not its key: keys can be remapped
    _point_at(pilot, "prod-admin", "prod-admin")
    await _settle(pilot)


async def export_masked(pilot: Any) -> None:
    from roleswitch.tui.screens.export import ExportScreen
    from roleswitch.tui.widgets.sessions import SessionsPanel

    await _started(pilot, sessions=3)
    app = pilot.app
    _point_at(pilot, "prod-admin", "prod-admin")
    app.query_one(SessionsPanel).focus()
    await pilot.press("e")
    await _until(pilot, lambda: isinstance(app.screen, ExportScreen), "the export dialog")
    await _settle(pilot)


async def theme_picker(pilot: Any) -> None:
    await _started(pilot, sessions=3)
    pilot.app.action_change_theme()
    await pilot.pause()
    await pilot.press(*"roleswitch")
    await pilot.pause(0.5)  # the palette searches in a worker
    await _settle(pilot)


Shot = tuple[str, str | None, Callable[[Any], Awaitable[None]]]
BEFORE_SESSIONS: list[Shot] = [("assume", None, assume)]
AFTER_SESSIONS: list[Shot] = [
    ("catalogue", None, catalogue),
    ("sessions", None, sessions),
    ("export", None, export_masked),
    ("theme-light", "roleswitch-light", sessions),
    ("theme-high-contrast", "roleswitch-high-contrast", catalogue),
    ("theme-picker", None, theme_picker),
]


async def _shoot(world: World, name: str, theme: str | None, drive: Callable[[Any], Awaitable[None]],
                 out: str) -> str:
    app = world.app(theme)
    async with app.run_test(size=SIZE) as pilot:
        await drive(pilot)
        svg = app.export_screenshot(title="roleswitch")
    path = os.path.join(out, f"{name}.svg")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(svg)
    return path


def _sessions(world: World) -> None:
    """Real sessions from the demo's STS: one MFA session, shared by two roles, and a short one."""
    world.obtain("prod-admin", mfa_code="123456", reason="INC-4711 failover drill", duration_seconds=3600)
    world.obtain("prod-readonly", duration_seconds=43200)  # reuses the MFA session: no second code
    staging = world.obtain("staging-dev", duration_seconds=900)
    # Freeze the clock 3 minutes later: staging-dev shows 12:00 left (the warning colour).
    world.clock.current = staging.expiration - timedelta(minutes=12)


def render_png(svg_path: str) -> str | None:
    """Render one SVG to PNG with rsvg-convert, else cairosvg; None when neither is installed."""
    png = svg_path[:-4] + ".png"
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "--zoom", "1", "--output", png, svg_path], check=True)
        return png
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        return None
    cairosvg.svg2png(url=svg_path, write_to=png)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate screenshots/*.svg (and PNGs) from the demo.")
    parser.add_argument("--out", default=os.path.join(REPO, "screenshots"), help="output folder")
    parser.add_argument("--png", action="store_true", help="also render PNGs (rsvg-convert or cairosvg)")
    parser.add_argument("--only", nargs="*", default=None, help="names of the screenshots to take")
    args = parser.parse_args(argv)

    from roleswitch.core.model import utcnow
    from roleswitch.demo import apply_env, start_demo

    os.makedirs(args.out, exist_ok=True)
    saved = dict(os.environ)
    written: list[str] = []
    with start_demo() as demo, tempfile.TemporaryDirectory(prefix="rs-shots-") as workdir:
        os.environ.clear()
        os.environ.update(apply_env(demo, saved))
        try:
            world = World(FrozenClock(utcnow().replace(microsecond=0)), workdir)
            secrets = {demo.secret_access_key}
            for group in (BEFORE_SESSIONS, AFTER_SESSIONS):
                if group is AFTER_SESSIONS:
                    _sessions(world)
                    secrets |= world.secrets()
                for name, theme, drive in group:
                    if args.only is not None and name not in args.only:
                        continue
                    path = asyncio.run(_shoot(world, name, theme, drive, args.out))
                    with open(path, encoding="utf-8") as handle:
                        text = handle.read()
                    leaked = [s for s in secrets if s and s in text]
                    if leaked:
                        os.unlink(path)
                        print(f"screenshots: {name}: a secret is on screen; screenshot deleted", file=sys.stderr)
                        return 1
                    written.append(path)
                    print(os.path.relpath(path, REPO))
        finally:
            os.environ.clear()
            os.environ.update(saved)
    if args.png:
        for path in written:
            png = render_png(path)
            if png is None:
                print("screenshots: no SVG renderer (see this script's docstring); SVGs only", file=sys.stderr)
                break
            print(os.path.relpath(png, REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
