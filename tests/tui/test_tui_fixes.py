"""Pilot tests of the catalogue columns, the MFA session's account, typed-ahead keys and the saved theme."""

from __future__ import annotations

from datetime import timedelta

from rs_tui_support import FIXED_NOW, MFA_SERIAL, MutableClock, base_profiles, fake_session, sample_roles
from textual.widgets import Input

from roleswitch.core.model import ProfileKind, Role, StsApi, utcnow
from roleswitch.tui.screens.assume import AssumeScreen
from roleswitch.tui.widgets.detail import role_detail
from roleswitch.tui.widgets.role_list import NAME_WIDTH_CAP, RoleList, fit_name, role_prompt
from roleswitch.tui.widgets.sessions import SessionsPanel

SIZE = (140, 44)


async def wait_for(pilot, predicate, *, tries: int = 250) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def test_name_column_is_sized_from_the_longest_name_with_an_ellipsis() -> None:
    assert fit_name("identity-proxy", 14) == "identity-proxy"
    assert fit_name("dev", 6) == "dev   "
    assert fit_name("a-very-long-role-name", 10) == "a-very-lo…"
    roles = [*sample_roles(), Role("x" * 50, "aws", ProfileKind.ROLE, role_arn="arn:aws:iam::444444444444:role/X")]
    width = min(max(len(r.name) for r in roles), NAME_WIDTH_CAP)
    lines = [role_prompt(r, None, False, width).plain for r in roles]
    # Every account starts in the same column, after at least two spaces, never glued to the name.
    starts = {line.index(r.account_id) - (len(r.account.alias) + 2 if r.account else 0)
              for line, r in zip(lines, roles, strict=True)}
    assert len(starts) == 1
    assert all(line[3 + width:3 + width + 2] == "  " for line in lines)
    assert lines[-1].startswith("   " + "x" * (NAME_WIDTH_CAP - 1) + "…")
    chained = next(line for line, r in zip(lines, roles, strict=True) if r.chained)
    assert "↳ chained" in chained and "⛓" not in chained


def test_detail_account_has_alias_then_id() -> None:
    role = sample_roles()[0]
    assert "acme-prod (111111111111)  prod" in role_detail(role).plain


async def test_role_list_columns_on_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        roles = app.query_one(RoleList)
        lines = [str(roles.get_option_at_index(i).prompt) for i in range(roles.option_count)]
        assert len({line.index("acme-") for line in lines}) == 1


async def test_mfa_session_row_shows_the_users_account(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # As cached by an older version: the role's account on the user's GetSessionToken session.
        stale = fake_session(f"mfa:{MFA_SERIAL}", FIXED_NOW + timedelta(hours=8), account="111111111111")
        stale = type(stale)(**{**stale.__dict__, "api": StsApi.GET_SESSION_TOKEN})
        panel = app.query_one(SessionsPanel)
        panel.upsert(f"mfa:{MFA_SERIAL}", stale)
        await pilot.pause()
        row = panel.get_row(f"mfa:{MFA_SERIAL}")
        assert str(row[0]) == "MFA alice" and str(row[1]) == "123456789012"  # the MFA device's account


async def test_reason_enter_and_mfa_code_typed_in_one_burst(make_app, aws_env, recorder) -> None:
    """tmux send-keys '/prod-admin' Enter 'INC-1 drill' Enter '123456': each part lands where it belongs."""
    clock = MutableClock(utcnow())
    app = make_app(clock=clock, profiles=base_profiles(aws_env.access_key_id, aws_env.secret_access_key),
                   recorder=recorder, cache_dir=str(aws_env.cache_dir))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await pilot.press("slash", *"prod-admin", "enter", *"INC-1 drill", "enter", *"123456")
        await wait_for(pilot, lambda: "prod-admin" in app.query_one(SessionsPanel).sessions)
        assert app.query_one("#filter", Input).value == "prod-admin"
    assert recorder.ops() == ["GetSessionToken", "AssumeRole"]
    assert recorder.last("GetSessionToken")["TokenCode"] == "123456"
    tags = {t["Key"]: t["Value"] for t in recorder.last("AssumeRole")["Tags"]}
    assert "INC-1 drill" in tags.values()


async def test_keys_typed_before_the_dialog_is_mounted_reach_its_field(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(RoleList).select_name("prod-admin")  # reason required: the dialog focuses it
        app.query_one(RoleList).focus()
        await pilot.pause()
        await pilot.press("enter", *"dr")  # 'd' and 'r' are app keys (forget, refresh) outside a field
        screen = app.screen
        assert isinstance(screen, AssumeScreen)
        await pilot.pause()
        assert not any("forgot" in n.message or "no session to" in n.message for n in app._notifications)
        assert screen.query_one("#reason", Input).value == "dr"


async def test_theme_picked_in_the_palette_is_saved_keeping_comments(make_app, tmp_path) -> None:
    from dataclasses import dataclass

    config = tmp_path / "config.toml"
    config.write_text('# mine\ntheme = "roleswitch-dark"  # night\nfavorites = ["staging-dev"]\n')

    @dataclass
    class FileSettings:  # the Settings surface the app reads, with the file it came from
        path: str
        favorites: tuple[str, ...] = ("staging-dev",)
        theme: str | None = "roleswitch-dark"
        keymap: dict | None = None
        defaults: object = None

    app = make_app(settings=FileSettings(str(config)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Theme: textual-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "textual-light")
        await wait_for(pilot, lambda: "textual-light" in config.read_text())
    assert config.read_text() == '# mine\ntheme = "textual-light"  # night\nfavorites = ["staging-dev"]\n'


async def test_limits_line_shows_the_roles_max_session(make_app) -> None:
    class Engine:
        def needs_mfa_code(self, role):
            return False

        def role_max_session(self, role):
            return 14400

    app = make_app(engine_factory=Engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        app.query_one(RoleList).select_name("prod-readonly")
        app.open_assume("prod-readonly")
        await wait_for(pilot, lambda: isinstance(app.screen, AssumeScreen) and app.screen.max_session == 14400)
        await pilot.pause()
        hint = str(app.screen.query_one("#hint-duration").render())
        assert "role max 4h" in hint
        app.screen.query_one("#duration", Input).value = "5h"
        assert "duration" in app.screen.validate_form()


async def test_permissions_screen_gets_the_live_sessions_options(make_app) -> None:
    from roleswitch.core.engine import AssumeOptions
    from roleswitch.tui.screens.permissions import PermissionsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        options = AssumeOptions(policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",))
        session = fake_session("staging-dev", FIXED_NOW + timedelta(hours=1), account="222222222222")
        app.record_session("staging-dev", session, options, None)
        app.query_one(RoleList).select_name("staging-dev")
        app.query_one(RoleList).focus()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionsScreen))
        assert app.screen.session is session and app.screen.options is options
