"""Pilot tests of the roleswitch app: every flow driven by keys, asserting state and what was sent to STS."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from rs_tui_support import (
    FIXED_NOW,
    MFA_SERIAL,
    MutableClock,
    Settings,
    base_profiles,
    fake_session,
)
from textual.widgets import Input, Label, OptionList, Static

from roleswitch.core.model import utcnow
from roleswitch.tui.screens.assume import AssumeScreen
from roleswitch.tui.screens.export import ExportScreen
from roleswitch.tui.screens.help import HelpScreen
from roleswitch.tui.widgets.role_list import FilterInput, RoleList
from roleswitch.tui.widgets.sessions import SessionsPanel

SIZE = (140, 44)


def shown(app) -> list[str]:
    roles = app.query_one(RoleList)
    return [roles.get_option_at_index(i).id for i in range(roles.option_count)]


async def wait_for(pilot, predicate, *, tries: int = 200) -> None:
    """Let workers run until ``predicate()`` holds (STS round trips over HTTP take a few ms)."""
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


# ---------------------------------------------------------------- startup


def test_tui_package_does_not_import_boto3_or_engine() -> None:
    """The app paints before boto3 loads: importing the TUI must not pull in boto3/botocore/the engine."""
    code = ("import sys, roleswitch.tui.app, roleswitch.cli.tui_cmds; "
            "bad = [m for m in ('boto3', 'botocore', 'roleswitch.core.engine') if m in sys.modules]; "
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


async def test_first_paint_does_not_wait_for_the_engine(make_app) -> None:
    import threading

    release = threading.Event()

    def slow_engine():
        release.wait(10)
        raise RuntimeError("engine never needed here")

    app = make_app(engine_factory=slow_engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The catalogue is on screen while the engine is still "loading".
        assert app.engine is None and not app._engine_loaded.is_set()
        assert shown(app)[0] == "prod-admin"
        assert "5 of 5 roles" in str(app.query_one("#count", Label).render())
        release.set()
        await wait_for(pilot, app._engine_loaded.is_set)


# ---------------------------------------------------------------- catalogue


async def test_filter_narrows_over_names_aliases_ids_and_arns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"stag")
        # dev-chained matches too (its source profile is staging-dev), ranked after the name match.
        assert shown(app) == ["staging-dev", "dev-chained"]
        app.query_one(FilterInput).value = "222222222222"  # account id
        await pilot.pause()
        assert shown(app) == ["staging-dev"]
        app.query_one(FilterInput).value = "role/ReadOnly"  # ARN
        await pilot.pause()
        assert shown(app) == ["prod-readonly"]
        app.query_one(FilterInput).value = "acme-prod"  # alias
        await pilot.pause()
        assert set(shown(app)) == {"prod-admin", "prod-readonly"}
        app.query_one(FilterInput).value = "pa"  # fuzzy subsequence
        await pilot.pause()
        assert shown(app)[0] == "prod-admin"
        app.query_one(FilterInput).value = "zzzz"
        await pilot.pause()
        assert shown(app) == []
        assert "No role matches" in str(app.query_one("#detail", Static).render())
        # Escape goes back to the list; the detail follows the highlight.
        app.query_one(FilterInput).value = "dev"
        await pilot.press("escape")
        assert app.focused is app.query_one(RoleList)
        assert "staging-dev" in str(app.query_one("#detail", Static).render()) or \
            "dev-chained" in str(app.query_one("#detail", Static).render())


async def test_favorites_first_and_number_keys_jump(make_app) -> None:
    app = make_app(settings=Settings(favorites=("staging-dev", "dev-chained")))
    async with app.run_test(size=SIZE) as pilot:
        assert shown(app)[:2] == ["staging-dev", "dev-chained"]
        await pilot.press("2")
        assert app.query_one(RoleList).selected_name == "dev-chained"
        detail = str(app.query_one("#detail", Static).render())
        assert "chained role: AWS caps the session at 1 hour" in detail
        await pilot.press("1")
        assert app.query_one(RoleList).selected_name == "staging-dev"
        # On an empty filter the digits jump too; with text they type.
        await pilot.press("slash", "2")
        assert app.query_one(RoleList).selected_name == "dev-chained"
        assert app.query_one(FilterInput).value == ""
        await pilot.press("d", "2")
        assert app.query_one(FilterInput).value == "d2"
        await pilot.press("escape")
        await pilot.press("9")
        assert any("no favorite 9" in n.message for n in app._notifications)


async def test_recents_follow_favorites(make_app, tmp_path) -> None:
    recents = tmp_path / "recents.json"
    recents.write_text('["prod-readonly"]')
    app = make_app(settings=Settings(favorites=("staging-dev",)), recents_path=str(recents))
    async with app.run_test(size=SIZE):
        assert shown(app)[:2] == ["staging-dev", "prod-readonly"]


async def test_detail_masks_the_external_id(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        detail = str(app.query_one("#detail", Static).render())
        assert "arn:aws:iam::111111111111:role/Admin" in detail
        assert "acme-prod" in detail and MFA_SERIAL in detail
        assert "(configured)" in detail and "ext-secret-42" not in detail
        assert "team=sre (transitive)" in detail


# ---------------------------------------------------------------- assume dialog (real engine over moto)


@pytest.fixture
def engine_app(make_app, aws_env, recorder):
    """An app wired to a real Engine on moto; the clock starts at the real time (moto's expiries are real)."""
    clock = MutableClock(utcnow())
    profiles = base_profiles(aws_env.access_key_id, aws_env.secret_access_key)

    def build(**kwargs):
        return make_app(clock=clock, profiles=profiles, recorder=recorder, cache_dir=str(aws_env.cache_dir),
                        **kwargs)

    build.clock = clock
    return build


async def test_assume_with_mfa_tags_and_reason_sends_exact_parameters(engine_app, recorder) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        await wait_for(pilot, lambda: screen.mfa_needed is True)
        # Reason first (required), a second tag, then the MFA code: the sixth digit submits.
        screen.query_one("#reason", Input).value = "INC-42 db failover"
        await screen.action_add_tag()
        await pilot.pause()
        rows = screen.query(".tag-row")
        rows[1].query_one(".tag-key", Input).value = "ticket"
        rows[1].query_one(".tag-value", Input).value = "INC-42"
        screen.query_one("#mfa", Input).focus()
        await pilot.press(*"12345")
        assert not screen.busy and recorder.calls == []
        await pilot.press("6")
        await wait_for(pilot, lambda: "prod-admin" in app.query_one(SessionsPanel).sessions)
        assert not isinstance(app.screen, AssumeScreen)
    assert recorder.ops() == ["GetSessionToken", "AssumeRole"]
    token = recorder.last("GetSessionToken")
    assert token["SerialNumber"] == MFA_SERIAL and token["TokenCode"] == "123456"
    assume = recorder.last("AssumeRole")
    assert assume["RoleArn"] == "arn:aws:iam::111111111111:role/Admin"
    assert assume["ExternalId"] == "ext-secret-42"
    tags = {t["Key"]: t["Value"] for t in assume["Tags"]}
    assert tags["team"] == "sre" and tags["ticket"] == "INC-42"
    assert "INC-42 db failover" in tags.values()  # the reason travels as a session tag
    assert assume["TransitiveTagKeys"] == ["team"]
    assert "TokenCode" not in assume  # the MFA session carried it


async def test_refresh_reuses_the_mfa_session_without_prompting(engine_app, recorder) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await pilot.press("enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.mfa_needed is True)
        screen.query_one("#reason", Input).value = "INC-7"
        screen.query_one("#mfa", Input).focus()
        await pilot.press(*"654321")
        await wait_for(pilot, lambda: "prod-admin" in app.query_one(SessionsPanel).sessions)
        first = app.query_one(SessionsPanel).sessions["prod-admin"]
        recorder.calls.clear()
        assert app.engine.needs_mfa_code(app.role("prod-admin")) is False
        await pilot.press("r")  # refresh: re-assume, the cached MFA session means no prompt
        await wait_for(pilot, lambda: recorder.ops() == ["AssumeRole"]
                       and not isinstance(app.screen, AssumeScreen))
        await wait_for(pilot, lambda: app.query_one(SessionsPanel).sessions["prod-admin"] is not first)
        assert "TokenCode" not in recorder.last("AssumeRole")


async def test_after_assuming_from_the_filter_keys_are_commands_again(engine_app, recorder) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await pilot.press("slash", *"prod-adm", "enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        await wait_for(pilot, lambda: screen.mfa_needed is True)
        screen.query_one("#reason", Input).value = "INC-8"
        screen.query_one("#mfa", Input).focus()
        await pilot.press(*"654321")
        await wait_for(pilot, lambda: "prod-admin" in app.query_one(SessionsPanel).sessions
                       and not isinstance(app.screen, AssumeScreen))
        await pilot.pause()
        assert isinstance(app.focused, RoleList)
        await pilot.press("e")  # a command now, not a letter for the filter
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportScreen")
        assert app.query_one(FilterInput).value == "prod-adm"


async def test_validation_messages_block_the_call(engine_app, recorder) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"dev-chained", "enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        assert "chained: 1h cap" in str(screen.query_one("#hint-duration", Label).render())
        screen.query_one("#duration", Input).value = "2h"
        await pilot.pause()
        error = str(screen.query_one("#error-duration", Label).render())
        assert "1 hour" in error and "chained" in error
        screen.query_one("#duration", Input).value = "soon"
        await pilot.pause()
        assert "not understood" in str(screen.query_one("#error-duration", Label).render())
        screen.query_one("#duration", Input).value = "45m"
        screen.query_one("#session_name", Input).value = "has spaces!"
        await screen.action_add_tag()
        await pilot.pause()
        row = screen.query(".tag-row")[0]
        row.query_one(".tag-key", Input).value = "aws:owner"
        await pilot.pause()
        assert "reserved aws: prefix" in str(row.query_one(".tag-problem", Label).render())
        screen.action_submit()
        await pilot.pause()
        assert "to fix" in str(screen.query_one("#assume-error", Static).render())
        assert str(screen.query_one("#error-duration", Label).render()) == ""
        assert "session name" in str(screen.query_one("#error-session_name", Label).render()).lower() or \
            str(screen.query_one("#error-session_name", Label).render())
        assert recorder.calls == []
        assert screen.query_one("#duration", Input).value == "45m"  # nothing typed is lost


async def test_sts_error_shows_in_the_dialog_and_keeps_the_input(engine_app, recorder) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"broken", "enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        screen.query_one("#session_name", Input).value = "alice-debug"
        screen.query_one("#duration", Input).value = "30m"
        screen.action_submit()
        await wait_for(pilot, lambda: str(screen.query_one("#assume-error", Static).render()) != "")
        message = str(screen.query_one("#assume-error", Static).render())
        assert "does-not-exist" in message
        assert app.screen is screen
        assert screen.query_one("#session_name", Input).value == "alice-debug"
        assert screen.query_one("#duration", Input).value == "30m"
        assert not screen.busy


# ---------------------------------------------------------------- sessions panel


async def test_countdown_follows_the_injected_clock(make_app) -> None:
    clock = MutableClock(FIXED_NOW)
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(SessionsPanel)
        panel.upsert("prod-admin", fake_session("prod-admin", FIXED_NOW + timedelta(minutes=20)))

        def left() -> str:
            return str(panel.get_cell("prod-admin", "left")).strip()

        assert left() == "20:00"
        clock.advance(6 * 60 + 30)  # one tick after 6.5 minutes: derived from the expiry, not tick counts
        panel.tick()
        assert left() == "13:30"
        assert "rs-expiry-warning" in str(panel.get_cell("prod-admin", "left").spans)
        clock.advance(9 * 60)
        panel.tick()
        await pilot.pause()
        assert left() == "04:30"
        assert "rs-expiry-critical" in str(panel.get_cell("prod-admin", "left").spans)
        expiring = [n for n in app._notifications if "under 5 minutes" in n.message]
        assert len(expiring) == 1
        panel.tick()
        await pilot.pause()
        assert len([n for n in app._notifications if "under 5 minutes" in n.message]) == 1
        clock.advance(5 * 60)
        panel.tick()
        assert left() == "expired"


async def test_forget_removes_the_session(engine_app) -> None:
    app = engine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"staging", "enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.mfa_needed is False)
        screen.action_submit()
        await wait_for(pilot, lambda: "staging-dev" in app.query_one(SessionsPanel).sessions)
        assert any(e.name == "staging-dev" for e in app.cache.entries())
        app.query_one(SessionsPanel).focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: not any(e.name == "staging-dev" for e in app.cache.entries()))
        assert "staging-dev" not in app.query_one(SessionsPanel).sessions


async def test_cached_sessions_appear_at_start(engine_app, recorder) -> None:
    first = engine_app()
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"staging", "enter")
        screen = first.screen
        await wait_for(pilot, lambda: screen.mfa_needed is False)
        screen.action_submit()
        await wait_for(pilot, lambda: "staging-dev" in first.query_one(SessionsPanel).sessions)
    second = engine_app()
    async with second.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "staging-dev" in second.query_one(SessionsPanel).sessions)


# ---------------------------------------------------------------- export


async def test_export_preview_masked_until_revealed_and_copy(make_app) -> None:
    from roleswitch.core import export

    app = make_app()
    session = fake_session("prod-admin", FIXED_NOW + timedelta(hours=1))
    async with app.run_test(size=SIZE) as pilot:
        app.record_session("prod-admin", session, None, None)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        formats = screen.query_one("#export-formats", OptionList)
        for index in range(formats.option_count):
            formats.highlighted = index
            await pilot.pause()
            preview = str(screen.query_one("#export-preview", Static).render())
            assert "fake-secret-value-never-shown" not in preview, screen.fmt
            assert "fake-session-token-never-shown" not in preview, screen.fmt
            assert "ASIAFAKEKEYFORTESTS1" in preview, screen.fmt
        formats.highlighted = formats.get_option_index("fish")
        await pilot.press("v")
        assert "fake-secret-value-never-shown" in str(screen.query_one("#export-preview", Static).render())
        await pilot.press("v")
        assert "fake-secret-value-never-shown" not in str(screen.query_one("#export-preview", Static).render())
        await pilot.press("c")
        assert app.clipboard == export.render("fish", session)


async def test_write_profile_from_the_export_dialog(make_app, isolated_env) -> None:
    app = make_app()
    session = fake_session("prod-admin", FIXED_NOW + timedelta(hours=1))
    isolated_env.write_credentials("# mine\n[keep]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = k\n")
    async with app.run_test(size=SIZE) as pilot:
        app.record_session("prod-admin", session, None, None)
        await pilot.press("e", "w")
        screen = app.screen
        assert screen.fmt == "profile"
        screen.query_one("#export-profile-name", Input).value = "rs-prod"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Wrote profile" in str(screen.query_one("#export-status", Static).render()))
    text = isolated_env.credentials_file.read_text()
    assert text.startswith("# mine\n[keep]\naws_access_key_id = AKIAKEEP\n")
    assert "[rs-prod]" in text and "fake-session-token-never-shown" in text
    assert isolated_env.credentials_file.stat().st_mode & 0o777 == 0o600


async def test_write_profile_refuses_the_aws_profile_the_session_came_from(make_app, isolated_env) -> None:
    """Keys written into [staging-dev] would sit beside its role_arn, where every SDK ignores them."""
    app = make_app()
    session = fake_session("staging-dev", FIXED_NOW + timedelta(hours=1))
    isolated_env.write_credentials("[keep]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = k\n")
    before = isolated_env.credentials_file.read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        app.record_session("staging-dev", session, None, None)
        await pilot.press("e", "w")
        screen = app.screen
        screen.query_one("#export-profile-name", Input).value = "staging-dev"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "pick another name" in str(screen.query_one("#export-status", Static).render()))
    assert isolated_env.credentials_file.read_bytes() == before


def test_shell_here_runs_the_shell_with_the_credentials(tmp_path, monkeypatch) -> None:
    from roleswitch.tui.screens.export import run_shell

    out = tmp_path / "env.txt"
    script = tmp_path / "shell.sh"
    script.write_text(f'#!/bin/bash\necho "$AWS_ACCESS_KEY_ID $AWS_SESSION_TOKEN ${{AWS_PROFILE-unset}}" > {out}\n')
    script.chmod(0o755)
    monkeypatch.setenv("SHELL", str(script))
    monkeypatch.setenv("AWS_PROFILE", "other")
    session = fake_session("prod-admin", FIXED_NOW + timedelta(hours=1))
    assert run_shell(session) == 0
    assert out.read_text().split() == ["ASIAFAKEKEYFORTESTS1", "fake-session-token-never-shown", "unset"]


# ---------------------------------------------------------------- picker


async def test_pick_mode_returns_the_export_and_prints_nothing(engine_app, capsys) -> None:
    from roleswitch.core import export

    app = engine_app(pick_mode=True, export_format="zsh")
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is app.query_one(FilterInput)
        await pilot.press(*"staging", "enter")
        await wait_for(pilot, lambda: app.return_value is not None)
    session = app.current_session
    assert session is not None and session.profile == "staging-dev"
    assert app.return_value == export.render("zsh", session)
    captured = capsys.readouterr()
    assert captured.out == ""


# ---------------------------------------------------------------- palette, keys, help, extras


async def test_command_palette_assumes_a_role_by_name(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Assume staging")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AssumeScreen))
        assert app.screen.role.name == "staging-dev"


async def test_command_palette_switches_theme(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Theme: textual-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "textual-light")


async def test_keymap_from_config_remaps_bindings(make_app) -> None:
    app = make_app(settings=Settings(keymap={"export": "x", "help": "f1"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        assert any("no session yet" in n.message for n in app._notifications)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys", Static).render())
        assert "x " in keys and "export" in keys and "permissions" in keys


async def test_help_on_question_mark(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_permissions_and_trust_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = len(app.screen_stack)
        await pilot.press("p")
        await pilot.pause()
        try:
            import roleswitch.tui.screens.permissions  # noqa: F401
        except ImportError:
            assert any("not available" in n.message for n in app._notifications)
        else:
            assert len(app.screen_stack) == before + 1
            app.pop_screen()
        await pilot.press("t")
        await pilot.pause()
        try:
            import roleswitch.tui.screens.trust  # noqa: F401
        except ImportError:
            assert any("trust-policy lint: not available" in n.message for n in app._notifications)
        else:
            assert len(app.screen_stack) == before + 1


async def test_bad_theme_file_is_reported_and_app_still_runs(make_app, isolated_env) -> None:
    themes = isolated_env.settings_file.parent / "themes"
    themes.mkdir(parents=True, exist_ok=True)
    (themes / "broken.toml").write_text("this is = = not toml\n")
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = " ".join(n.message + " " + n.title for n in app._notifications)
        assert "broken.toml" in messages
        assert "no-such-theme" in messages
        assert app.theme == "roleswitch-dark"
        assert shown(app)


async def test_pick_mode_escape_twice_cancels(make_app) -> None:
    app = make_app(pick_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"prod", "escape")
        assert app.query_one(FilterInput).value == "" and app.is_running
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_value is None


async def test_enter_on_a_session_row_opens_its_export(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.record_session("staging-dev", fake_session("staging-dev", FIXED_NOW + timedelta(hours=1)), None, None)
        await pilot.press("s")
        await pilot.press("enter")
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.session.profile == "staging-dev"


async def test_f_toggles_a_favorite_in_config_toml(make_app, isolated_env) -> None:
    isolated_env.write_settings('# my settings\nfavorites = ["staging-dev"]\n')
    app = make_app(settings=Settings(favorites=("staging-dev",)))
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(RoleList).select_name("prod-readonly")
        await pilot.press("f")
        await wait_for(pilot, lambda: app.favorites == ["staging-dev", "prod-readonly"])
        assert shown(app)[:2] == ["staging-dev", "prod-readonly"]
        await pilot.press("2")
        assert app.query_one(RoleList).selected_name == "prod-readonly"
        app.query_one(RoleList).select_name("staging-dev")
        await pilot.press("f")
        await wait_for(pilot, lambda: app.favorites == ["prod-readonly"])
    text = isolated_env.settings_file.read_text()
    assert text.startswith("# my settings\n") and '"prod-readonly"' in text and "staging-dev" not in text


async def test_engine_failure_is_shown_and_the_catalogue_stays_usable(make_app) -> None:
    def broken_engine():
        from roleswitch.core.errors import ConfigError

        raise ConfigError("cannot read ~/.aws/config", where="~/.aws/config:3")

    app = make_app(engine_factory=broken_engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, app._engine_loaded.is_set)
        await pilot.pause()
        assert any("cannot read ~/.aws/config" in n.message for n in app._notifications)
        await pilot.press("slash", *"staging", "enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        screen.action_submit()
        await wait_for(pilot, lambda: "cannot read" in str(screen.query_one("#assume-error", Static).render()))
        assert app.screen is screen and not screen.busy


async def test_dialog_offers_only_what_the_sts_api_takes(make_app, aws_env, recorder) -> None:
    """A static-keys profile has no role: no session name, tags, External ID (preflight would refuse them)."""
    from rs_tui_support import sample_roles

    from roleswitch.core.model import ProfileKind, Role

    clock = MutableClock(utcnow())
    roles = [Role("base", "aws", ProfileKind.STATIC), *sample_roles()]
    app = make_app(roles, clock=clock, profiles=base_profiles(aws_env.access_key_id, aws_env.secret_access_key),
                   recorder=recorder, cache_dir=str(aws_env.cache_dir))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"base", "enter")
        screen = app.screen
        assert isinstance(screen, AssumeScreen) and screen.role.name == "base"
        await wait_for(pilot, lambda: screen.mfa_needed is not None)
        assert {"session_name", "source_identity", "external_id", "tags"} <= screen.hidden
        assert not screen.query_one("#field-session_name").display
        assert not screen.query_one("#tags").display
        assert screen.query_one("#field-duration").display
        screen.action_submit()
        await wait_for(pilot, lambda: "base" in app.query_one(SessionsPanel).sessions)
    assert "AssumeRole" not in recorder.ops()
