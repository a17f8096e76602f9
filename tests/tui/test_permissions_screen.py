"""PermissionsScreen and TrustScreen under Textual's pilot, reading a demo-like role from moto over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Static

from roleswitch.core.model import Credentials, ProfileKind, Role, Session
from roleswitch.core.policy.fetch import PolicyCache
from roleswitch.demo.seed import ROLE_BY_NAME

ACCOUNT = "123456789012"  # moto's default account
DEVELOPER = ROLE_BY_NAME["Developer"]  # the demo's ABAC role: ec2 Start/Stop only where dept matches
INSTANCE = "arn:aws:ec2:us-east-1:222222222222:instance/i-0abc"
QUERY = f"ec2:StartInstances {INSTANCE} aws:ResourceTag/dept=platform"


def _client(endpoint: str, service: str, **keys: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=keys.get("key", "AKIAIOSFODNN7EXAMPLE"),
                        aws_secret_access_key=keys.get("secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))


@pytest.fixture
def world(aws_env: Any, moto_server: str) -> dict[str, Any]:
    """A demo-like Developer role (ABAC on aws:PrincipalTag/dept), alice's keys as source profile ``src``."""
    iam = _client(moto_server, "iam")
    role_arn = iam.create_role(RoleName="Developer", AssumeRolePolicyDocument=json.dumps(DEVELOPER.trust),
                               MaxSessionDuration=DEVELOPER.max_session_duration,
                               Tags=[{"Key": "dept", "Value": "platform"}])["Role"]["Arn"]
    for name, document in DEVELOPER.policies.items():
        arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="Developer", PolicyArn=arn)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "dynamodb:GetItem", "dynamodb:Query"],
             "Resource": "*"}]}))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    aws_env.write_credentials(f"[src]\naws_access_key_id = {key['AccessKeyId']}\n"
                              f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    sts = _client(moto_server, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="alice")["Credentials"]
    role = Role(name="staging-abac", origin="roleswitch", kind=ProfileKind.ROLE, role_arn=role_arn,
                source_profile="src", region="us-east-1", session_tags=(("dept", "web"),))
    credentials = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"],
                              datetime(2026, 11, 28, 10, tzinfo=UTC) + timedelta(hours=1))
    return {"role": role, "role_arn": role_arn, "credentials": credentials}


def session_with(world: dict[str, Any], tags: tuple[tuple[str, str], ...]) -> Session:
    return Session(profile="staging-abac", credentials=world["credentials"], role_arn=world["role_arn"],
                   assumed_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/Developer/alice", account_id=ACCOUNT,
                   region="us-east-1", session_name="alice", tags=tags)


class Host(App[None]):
    """A bare app that shows one screen (the real app binds p and t to these screens)."""

    def __init__(self, screen: Any) -> None:
        super().__init__()
        self._screen = screen
        self.messages: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self._screen)


async def _loaded(pilot: Any, screen: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.data is not None, screen.query_one("#perm-problems", Static).render()


async def _ask(pilot: Any, screen: Any, query: str) -> str:
    box = screen.query_one("#perm-query", Input)
    box.value = query
    box.focus()
    await pilot.press("enter")
    await pilot.pause()
    return str(screen.query_one("#perm-answer", Static).render())


async def test_summary_and_abac_answer_follow_session_tags(world: dict[str, Any]) -> None:
    from roleswitch.tui.screens.permissions import PermissionsScreen

    screen = PermissionsScreen(world["role"], session_with(world, (("dept", "web"),)), None,
                               policy_cache=PolicyCache())
    app = Host(screen)
    async with app.run_test(size=(150, 45)) as pilot:
        await _loaded(pilot, screen)
        data = screen.data
        assert data.problems == []
        assert data.policies.read_with == ("the role session",)
        # Summary by service: ec2 (Describe* + Start/Stop/Reboot) and s3 (ListAllMyBuckets + s3:* on dept buckets).
        services = screen.query_one("#perm-services", DataTable)
        prefixes = [services.get_row_at(i)[0] for i in range(services.row_count)]
        assert set(prefixes) == {"ec2", "s3", "sts"}
        ec2 = data.summary.service("ec2")
        assert ec2.counts["Write"] == 3 and ec2.tag_dependent == 3
        assert set(data.summary.tag_keys) == {"dept"}
        # Side by side: alice's own DynamoDB access is gone in the role session.
        rows = {r.prefix: r for r in data.comparison.rows}
        assert rows["dynamodb"].original == 2 and rows["dynamodb"].session == 0
        assert "AssumeRole replaces alice's permissions" in data.comparison.note
        # The session was tagged dept=web (overriding the role's dept=platform): the instance is not ours.
        denied = await _ask(pilot, screen, QUERY)
        assert denied.startswith("✘ not allowed: ec2:StartInstances")
        assert "dept=web" in denied
        # Same question with the tags a dept=platform session would carry: now allowed, by the ABAC statement.
        tags = screen.query_one("#perm-tags", Input)
        tags.value = "dept=platform"
        tags.focus()
        await pilot.press("enter")
        await pilot.pause()
        allowed = str(screen.query_one("#perm-answer", Static).render())
        assert allowed.startswith("✔ allowed: ec2:StartInstances")
        assert "AcmeAbacDeveloper/OperateOwnDeptInstances" in allowed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_session_tagged_platform_is_allowed_and_bad_query_explained(world: dict[str, Any]) -> None:
    from roleswitch.tui.screens.permissions import PermissionsScreen

    screen = PermissionsScreen(world["role"], session_with(world, (("dept", "platform"),)), None,
                               policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(150, 45)) as pilot:
        await _loaded(pilot, screen)
        assert (await _ask(pilot, screen, QUERY)).startswith("✔ allowed")
        assert (await _ask(pilot, screen, "s3:*")).startswith("'s3:*' is not one action")
        assert (await _ask(pilot, screen, "iam:CreateUser")).startswith("✘ not allowed: iam:CreateUser on *")


async def test_without_session_reads_with_source_profile_and_drills_down(world: dict[str, Any]) -> None:
    from roleswitch.tui.screens.permissions import PermissionsScreen

    screen = PermissionsScreen(world["role"], None, None, policy_cache=PolicyCache())
    async with Host(screen).run_test(size=(150, 45)) as pilot:
        await _loaded(pilot, screen)
        assert screen.data.policies.read_with == ("source profile src",)
        # Configured session tags prefill the tags box when there is no live session.
        assert screen.query_one("#perm-tags", Input).value == "dept=web"
        screen._show_actions("ec2")
        actions = screen.query_one("#perm-actions", DataTable)
        names = [actions.get_row_at(i)[0] for i in range(actions.row_count)]
        assert "StartInstances" in names and "DescribeInstances" in names
        start = actions.get_row_at(names.index("StartInstances"))
        assert start[1] == "Write" and "⚑ session tags" in start[3]


async def test_session_policy_given_at_assume_time_narrows_the_session(world: dict[str, Any]) -> None:
    from roleswitch.core.engine import AssumeOptions
    from roleswitch.tui.screens.permissions import PermissionsScreen

    narrow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]})
    screen = PermissionsScreen(world["role"], session_with(world, (("dept", "platform"),)), None,
                               policy_cache=PolicyCache(), options=AssumeOptions(policy_json=narrow))
    async with Host(screen).run_test(size=(150, 45)) as pilot:
        await _loaded(pilot, screen)
        assert [s.prefix for s in screen.data.summary.services] == ["ec2"]
        assert screen.data.summary.service("ec2").counts["Write"] == 0
        answer = await _ask(pilot, screen, QUERY)
        assert answer.startswith("✘ not allowed") and "no session policy allows" in answer
