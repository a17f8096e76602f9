"""Snapshots of the effective-permissions and trust screens in roleswitch-dark and roleswitch-light, and of
the assume dialog showing trust findings.

Deterministic: the clock is injected (FIXED_NOW), the terminal size is fixed, input cursors do not blink,
and the screens' data comes from fixed fixtures (policy documents in this file run through the screens' own
analysis: summarize/compare, lint/plain words/preflight) instead of a live moto, whose timing and ids vary.
Only the IAM/STS read is replaced (each screen's ``_compute``/``read_trust``); everything drawn is real.
Every test asserts that no fixture secret (External ID, secret key, session token) reaches the SVG.

Update after an intended UI change: ``.venv/bin/pytest tests/tui/test_policy_snapshots.py --snapshot-update``
and review the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rs_tui_support import FIXED_NOW, STAGING, MutableClock, Settings
from textual.pilot import Pilot
from textual.widgets import Input

from roleswitch.core.model import ProfileKind, Role
from roleswitch.core.policy.evaluator import NamedPolicy
from roleswitch.core.policy.fetch import RolePolicies
from roleswitch.core.policy.trust_report import TrustData, analyse
from roleswitch.tui.screens.assume import AssumeScreen
from roleswitch.tui.screens.permissions import PermissionsData, PermissionsScreen
from roleswitch.tui.screens.trust import TrustScreen

SIZE = (130, 40)
THEMES = ("roleswitch-dark", "roleswitch-light")
EXTERNAL_ID = "ext-secret-42"  # configured on the role and expected by the trust policy: never on screen
SECRETS = (EXTERNAL_ID, "fake-secret-value-never-shown", "fake-session-token-never-shown")
CALLER = "arn:aws:iam::123456789012:user/alice"
VENDOR = "999999999999"
ROLE_ARN = f"arn:aws:iam::{STAGING.id}:role/LegacyVendorAccess"

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Sid": "VendorWithoutExternalId", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
     "Action": "sts:AssumeRole"},
    {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    {"Sid": "AuditorWithId", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::888888888888:root"},
     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}},
]}
IDENTITY = [
    NamedPolicy("LegacyVendorBucket", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::acme-staging-vendor-drop", "arn:aws:s3:::acme-staging-vendor-drop/*"]}]}),
    NamedPolicy("ReadLogs", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:Describe*", "logs:GetLogEvents", "logs:FilterLogEvents"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/dept": "${aws:PrincipalTag/dept}"}}}]}),
]
ORIGINAL = [NamedPolicy("AssumeAcmeRoles", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["logs:Describe*"], "Resource": "*"}]})]


def legacy_role() -> Role:
    return Role("staging-legacy", "aws", ProfileKind.ROLE, role_arn=ROLE_ARN, account=STAGING,
                source_profile="base", region="us-east-1", external_id=EXTERNAL_ID,
                session_tags=(("dept", "platform"),))


def fixed_policies() -> RolePolicies:
    return RolePolicies(role_arn=ROLE_ARN, identity=list(IDENTITY), trust=TRUST, max_session_duration=7200,
                        read_with=("source profile base",))


def fixed_trust(role: Role) -> TrustData:
    return analyse(role, fixed_policies(), caller=CALLER)


class FixedTrustScreen(TrustScreen):
    """TrustScreen over the fixture's policies (no IAM read)."""

    def _compute(self, refresh: bool) -> TrustData:
        return fixed_trust(self.role)


class FixedPermissionsScreen(PermissionsScreen):
    """PermissionsScreen over the fixture's policies (no IAM read)."""

    def _compute(self, refresh: bool) -> PermissionsData:
        from roleswitch.core.policy.summary import compare, summarize

        summary = summarize(IDENTITY)
        comparison = compare(summarize(ORIGINAL), summary, original_label="alice")
        return PermissionsData(fixed_policies(), [], summary, comparison, "alice", [])


class FixedAssumeScreen(AssumeScreen):
    """The assume dialog with the fixture's trust report (no IAM read)."""

    def read_trust(self, session: Any = None) -> None:  # type: ignore[override]
        self.post_message(self.TrustRead(fixed_trust(self.role)))


class SnapshotEngine:
    """Test double of core.engine.Engine: answers what the dialog asks while drawn; never calls STS."""

    def needs_mfa_code(self, role: Role, options: Any = None) -> bool:
        return False

    def mfa_session_left(self, serial: str) -> float | None:
        return None

    def obtain(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("snapshot tests never call STS")


async def settle(pilot: Pilot, ready: Callable[[], bool]) -> None:
    for _ in range(300):
        if ready():
            break
        await pilot.pause(0.02)
    else:
        raise AssertionError("the screen never loaded")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.fixture
def build_app(make_app: Callable[..., Any], isolated_env: Any) -> Callable[[str], Any]:
    def build(theme: str) -> Any:
        app = make_app([legacy_role()], clock=MutableClock(FIXED_NOW), settings=Settings(), theme=theme,
                       engine_factory=SnapshotEngine)
        app.default_session_name = lambda: "alice@laptop"  # normally user@host: differs per machine
        return app

    return build


@pytest.fixture
def taken_svgs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SVG snap_compare takes, kept for the secret checks."""
    import textual._doc

    taken: list[str] = []
    original = textual._doc.take_svg_screenshot

    def keep(*args: Any, **kwargs: Any) -> str:
        svg = original(*args, **kwargs)
        taken.append(svg)
        return svg

    monkeypatch.setattr(textual._doc, "take_svg_screenshot", keep)
    return taken


def no_secrets(svg: str) -> None:
    for secret in SECRETS:
        assert secret not in svg


@pytest.mark.parametrize("theme", THEMES)
def test_permissions_screen_snapshot(snap_compare, build_app, taken_svgs, theme: str) -> None:
    app = build_app(theme)

    async def run_before(pilot: Pilot) -> None:
        screen = FixedPermissionsScreen(legacy_role(), None, None)
        pilot.app.push_screen(screen)
        await settle(pilot, lambda: screen.data is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    assert app.theme == theme
    [svg] = taken_svgs
    no_secrets(svg)
    assert "LegacyVendorBucket" in svg or "S3" in svg or "s3" in svg


@pytest.mark.parametrize("theme", THEMES)
def test_trust_screen_snapshot(snap_compare, build_app, taken_svgs, theme: str) -> None:
    app = build_app(theme)

    async def run_before(pilot: Pilot) -> None:
        screen = FixedTrustScreen(legacy_role(), None)
        pilot.app.push_screen(screen)
        await settle(pilot, lambda: screen.data is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    [svg] = taken_svgs
    no_secrets(svg)
    assert "confused-deputy" in svg and "wildcard-principal" in svg


def test_assume_dialog_with_trust_findings_snapshot(snap_compare, build_app, taken_svgs) -> None:
    app = build_app("roleswitch-dark")

    async def run_before(pilot: Pilot) -> None:
        screen = FixedAssumeScreen(legacy_role())
        pilot.app.push_screen(screen)
        await settle(pilot, lambda: screen.trust_shown and screen.mfa_needed is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    [svg] = taken_svgs
    no_secrets(svg)
    assert "confused-deputy" in svg and "preflight" in svg
