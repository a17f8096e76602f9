"""Start-up: the garbage collector is off only until the first paint, the theme is chosen before the first CSS
parse, and the first frame never waits for boto3. (Timings live in tests/bench/bench_tui.py.)"""

from __future__ import annotations

import gc
import sys

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet

from roleswitch.cli.tui_cmds import build_app
from roleswitch.core.errors import ConfigError

CONFIG = """\
[default]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = default
"""


@pytest.fixture(autouse=True)
def _gc_restored():
    yield
    gc.enable()  # whatever a test did, the rest of the session collects garbage


def test_gc_is_back_on_when_the_config_is_bad(isolated_env) -> None:
    isolated_env.write_settings("[roles.x]\nrole_name = 'A'\n")  # no account: invalid
    with pytest.raises(ConfigError):
        build_app()
    assert gc.isenabled()


async def test_gc_off_until_the_engine_loads_after_the_first_paint(isolated_env) -> None:
    isolated_env.write_config(CONFIG)
    app = build_app(theme="roleswitch-light")
    assert not gc.isenabled()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.engine is not None and app.engine_error is None
        assert gc.isenabled()


async def test_theme_chosen_before_the_first_css_parse(isolated_env, monkeypatch) -> None:
    isolated_env.write_config(CONFIG)
    reparses: list[int] = []
    real = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: reparses.append(1) or real(self))
    seen: dict[str, object] = {}
    app = build_app(theme="roleswitch-light")
    assert app.theme == "roleswitch-light"

    def first_frame_painted() -> None:
        seen["boto3"] = "boto3" in sys.modules and sys.modules["boto3"] is not None
        seen["classes"] = set(app.classes)
        app.exit()

    app.load_engine = first_frame_painted
    already = "boto3" in sys.modules  # another test in this process may have loaded it
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.styles.background == Color.parse(app.current_theme.background)
    assert reparses == []  # no second parse of every stylesheet for the theme
    assert {"-theme-roleswitch-light", "-light-mode"} <= seen["classes"]  # type: ignore[operator]
    assert "-dark-mode" not in seen["classes"]  # type: ignore[operator]
    if not already:
        assert seen["boto3"] is False
