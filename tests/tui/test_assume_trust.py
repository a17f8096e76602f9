"""The assume dialog's trust lines under Textual's pilot: lint findings of the role's trust policy (read from
moto over HTTP in a worker, the trust screen's code path) and the preflight verdict; unreadable IAM is one dim
line; the dialog never calls STS AssumeRole to read them and never shows the External ID.

The roles are the demo's (roleswitch.demo.seed: staging-legacy = LegacyVendorAccess, partner-audit =
AcmeAuditReadOnly) created in moto's default account, with alice's keys as the source profile ``base``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from rs_tui_support import MutableClock, StsRecorder
from textual.pilot import Pilot
from textual.widgets import Static

from roleswitch.core.model import AwsProfile, ProfileKind, Role, utcnow
from roleswitch.demo.seed import PARTNER_EXTERNAL_ID, ROLE_BY_NAME
from roleswitch.tui.screens.assume import TRUST_UNREADABLE, AssumeScreen, trust_lines

SIZE = (130, 44)
LEGACY = ROLE_BY_NAME["LegacyVendorAccess"]
AUDIT = ROLE_BY_NAME["AcmeAuditReadOnly"]


@pytest.fixture
def demo_roles(aws_env: Any, moto_server: str) -> dict[str, Any]:
    iam = boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1",
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                       aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    arns = {}
    for demo in (LEGACY, AUDIT):
        arns[demo.role_name] = iam.create_role(RoleName=demo.role_name,
                                               AssumeRolePolicyDocument=json.dumps(demo.trust),
                                               MaxSessionDuration=demo.max_session_duration)["Role"]["Arn"]
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    aws_env.write_credentials(f"[base]\naws_access_key_id = {key['AccessKeyId']}\n"
                              f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    profiles = {"base": AwsProfile("base", ProfileKind.STATIC, {
        "aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"],
        "region": "us-east-1"})}
    roles = [
        Role("staging-legacy", "aws", ProfileKind.ROLE, role_arn=arns["LegacyVendorAccess"], source_profile="base",
             region="us-east-1"),
        Role("partner-audit", "aws", ProfileKind.ROLE, role_arn=arns["AcmeAuditReadOnly"], source_profile="base",
             region="us-east-1", external_id=PARTNER_EXTERNAL_ID),
        Role("no-such-source", "aws", ProfileKind.ROLE, role_arn=arns["LegacyVendorAccess"],
             source_profile="nowhere", region="us-east-1"),
    ]
    return {"roles": roles, "profiles": profiles}


@pytest.fixture
def demo_app(make_app: Callable[..., Any], demo_roles: dict[str, Any], aws_env: Any,
             recorder: StsRecorder) -> Callable[[], Any]:
    def build() -> Any:
        return make_app(demo_roles["roles"], clock=MutableClock(utcnow()), profiles=demo_roles["profiles"],
                        recorder=recorder, cache_dir=str(aws_env.cache_dir))

    return build


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], tries: int = 300) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


async def open_dialog(pilot: Pilot, name: str) -> AssumeScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.engine is not None)
    app.open_assume(name)
    await wait_for(pilot, lambda: isinstance(app.screen, AssumeScreen))
    screen = app.screen
    assert isinstance(screen, AssumeScreen)
    await wait_for(pilot, lambda: screen.trust_shown)
    return screen


def shown_lines(screen: AssumeScreen) -> list[tuple[str, set[str]]]:
    return [(str(w.render()), set(w.classes)) for w in screen.query("#assume-trust .trust-line").results(Static)]


async def test_staging_legacy_shows_confused_deputy_and_wildcard(demo_app, recorder) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, "staging-legacy")
        lines = shown_lines(screen)
        texts = [text for text, _ in lines]
        assert texts[0].startswith("● HIGH confused-deputy: third-party account 999999999999 is trusted")
        assert any(t.startswith("● HIGH wildcard-principal:") for t in texts)
        assert "-sev-high" in lines[0][1]
        # Principal "*" lets alice in: the preflight says so.
        assert texts[-1] == "✔ preflight: you will be let in" and "-allowed" in lines[-1][1]
        assert screen.query_one("#assume-trust").display
        # The dialog stays usable: escape cancels it.
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AssumeScreen)
    assert "AssumeRole" not in recorder.ops()  # reading the trust policy never assumes the role


async def test_partner_audit_has_no_trust_findings_and_no_external_id_on_screen(demo_app, recorder) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, "partner-audit")
        texts = [text for text, _ in shown_lines(screen)]
        rules = " ".join(texts)
        for rule in ("confused-deputy", "wildcard-principal", "external-id"):
            assert rule not in rules
        assert texts[0] == "✔ trust policy: no findings"
        # The trust policy names the demo's identity account, not moto's default one alice lives in.
        assert texts[-1].startswith("✘ preflight: you will be refused: the trust policy does not name you")
        everything = "\n".join(str(w.render()) for w in screen.query(Static))
        assert PARTNER_EXTERNAL_ID not in everything
        assert PARTNER_EXTERNAL_ID not in app.export_screenshot()
    assert recorder.calls == []


async def test_unreadable_iam_is_one_dim_line(demo_app, recorder) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, "no-such-source")
        assert shown_lines(screen) == [(TRUST_UNREADABLE, {"trust-line", "-unreadable"})]
        assert str(screen.query_one("#assume-error", Static).render()) == ""
    assert recorder.calls == []


def test_trust_lines_for_nothing_read() -> None:
    assert trust_lines(None) == [(TRUST_UNREADABLE, "-unreadable")]
