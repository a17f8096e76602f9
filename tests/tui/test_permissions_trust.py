"""TrustScreen under Textual's pilot: plain words, lint findings, the preflight, and no External ID on screen."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from textual.app import App
from textual.widgets import DataTable, Static

from roleswitch.core.model import ProfileKind, Role
from roleswitch.core.policy.fetch import PolicyCache

ACCOUNT = "123456789012"  # moto's default account
VENDOR = "999999999999"
AGREED_ID = "vendor-agreed-4f1c9e"


def _iam(endpoint: str) -> Any:
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@pytest.fixture
def roles(aws_env: Any, moto_server: str) -> dict[str, str]:
    iam = _iam(moto_server)
    legacy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "VendorWithoutExternalId", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
         "Action": "sts:AssumeRole"},
        {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    guarded = {"Version": "2012-10-17", "Statement": [
        {"Sid": "AliceWithIdAndMfa", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": AGREED_ID},
                       "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    id_only = {"Version": "2012-10-17", "Statement": [
        {"Sid": "IdOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": AGREED_ID}}}]}
    arns = {}
    for name, doc in (("Legacy", legacy), ("Guarded", guarded), ("IdOnly", id_only)):
        arns[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc),
                                     MaxSessionDuration=7200)["Role"]["Arn"]
    admin = iam.create_policy(PolicyName="Admin", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="Guarded", PolicyArn=admin)
    iam.attach_role_policy(RoleName="IdOnly", PolicyArn=admin)
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    aws_env.write_credentials(f"[src]\naws_access_key_id = {key['AccessKeyId']}\n"
                              f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    return arns


class Host(App[None]):
    def __init__(self, screen: Any) -> None:
        super().__init__()
        self._screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._screen)


def role(name: str, arn: str, **extra: Any) -> Role:
    return Role(name=name, origin="roleswitch", kind=ProfileKind.ROLE, role_arn=arn, source_profile="src",
                region="us-east-1", **extra)


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_risky_trust_findings_and_plain_words(roles: dict[str, str]) -> None:
    from roleswitch.tui.screens.trust import TrustScreen

    screen = TrustScreen(role("staging-legacy", roles["Legacy"]), None, policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(160, 45)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        who = text(screen, "#trust-who")
        assert f"Can assume: any IAM identity in account {VENDOR} whose own policies allow" in who
        assert "Can assume: anyone: every AWS account and identity (public)" in who
        assert "MaxSessionDuration: 7200 s (2 h)" in who
        table = screen.query_one("#trust-findings", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[1] for r in rows[:2]] == ["confused-deputy", "wildcard-principal"]
        assert rows[0][0] == "● HIGH" and rows[0][3] == "VendorWithoutExternalId"
        detail = text(screen, "#trust-statement")
        assert detail.startswith("HIGH confused-deputy: third-party account 999999999999 is trusted")
        assert '  "Sid": "VendorWithoutExternalId"' in detail
        # The Everyone statement lets alice in.
        assert text(screen, "#trust-preflight").startswith(f"Preflight (arn:aws:iam::{ACCOUNT}:user/alice): ✔")
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is not screen


async def test_preflight_explains_missing_external_id_and_mfa(roles: dict[str, str]) -> None:
    from roleswitch.tui.screens.trust import TrustScreen

    screen = TrustScreen(role("vendor", roles["Guarded"]), None, policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(160, 45)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        preflight = text(screen, "#trust-preflight")
        assert "✘ you will be refused" in preflight
        assert "requires an External ID (sts:ExternalId) and none is configured" in preflight
        assert "requires MFA" in preflight
        table = screen.query_one("#trust-findings", DataTable)
        rules = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert rules == ["long-session-privileged"]  # MFA is required; 2 h on an admin role is too long
        await pilot.press("down")
        await pilot.pause()


async def test_configured_external_id_and_mfa_get_in(roles: dict[str, str]) -> None:
    from roleswitch.tui.screens.trust import TrustScreen

    configured = role("vendor", roles["Guarded"], external_id=AGREED_ID,
                      mfa_serial=f"arn:aws:iam::{ACCOUNT}:mfa/alice")
    screen = TrustScreen(configured, None, policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(160, 45)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "✔ you will be let in" in text(screen, "#trust-preflight")
        assert "the caller gives the agreed External ID" in text(screen, "#trust-who")


async def test_statement_view_never_shows_the_external_id(roles: dict[str, str]) -> None:
    from roleswitch.tui.screens.trust import TrustScreen

    screen = TrustScreen(role("id-only", roles["IdOnly"], external_id=AGREED_ID), None, policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(160, 45)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#trust-findings", DataTable)
        assert table.get_row_at(0)[1] == "no-mfa-privileged" and table.get_row_at(0)[3] == "IdOnly"
        statement = text(screen, "#trust-statement")
        assert '      "sts:ExternalId": "****"' in statement
        shown = "\n".join(str(w.render()) for w in screen.query(Static))
        shown += "\n".join(str(cell) for i in range(table.row_count) for cell in table.get_row_at(i))
        assert AGREED_ID not in shown
        assert "✔ you will be let in" in text(screen, "#trust-preflight")
