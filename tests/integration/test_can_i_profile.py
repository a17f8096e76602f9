"""``roleswitch can-i PROFILE ...``: the role's policies read from IAM (moto over HTTP), evaluated locally.

moto lacks iam:SimulatePrincipalPolicy, so here the simulator's answer is absent and said so; the simulator
itself is covered with botocore's Stubber in tests/unit/test_policy_eval_simulator.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"  # moto's default account
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
INLINE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    {"Sid": "Users", "Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"},
    {"Sid": "TeamTables", "Effect": "Allow", "Action": "dynamodb:GetItem",
     "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/${{aws:PrincipalTag/team}}-*"},
]}
BOUNDARY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Data", "Effect": "Allow", "Action": ["s3:*", "dynamodb:*"], "Resource": "*"}]}


@pytest.fixture
def dev_profile(aws_env: Any, moto_server: str) -> str:
    iam = boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1")
    iam.create_role(RoleName="Dev", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "team", "Value": "sre"}])
    iam.put_role_policy(RoleName="Dev", PolicyName="dev-inline", PolicyDocument=json.dumps(INLINE))
    boundary = iam.create_policy(PolicyName="DataBoundary", PolicyDocument=json.dumps(BOUNDARY))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="Dev", PermissionsBoundary=boundary)
    aws_env.write_config("[default]\nregion = us-east-1\n\n[profile dev]\n"
                         f"role_arn = arn:aws:iam::{ACCOUNT}:role/Dev\nsource_profile = default\n")
    return "dev"


def can_i(run_cli: Callable[..., Any], *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("can-i", *args, "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def test_profile_allowed_from_inline_and_boundary(dev_profile: str, run_cli: Callable[..., Any]) -> None:
    code, data, _ = can_i(run_cli, dev_profile, "s3:GetObject", "arn:aws:s3:::bucket/key")
    assert code == 0
    assert data["decision"] == "allowed"
    assert data["matched"] == [{"policy": "dev-inline", "statement": "S3"},
                               {"policy": "DataBoundary", "statement": "Data"}]
    # moto has no policy simulator: no second answer, and a note saying why.
    assert data["simulator"] is None and "simulator" in data["simulator_note"]


def test_profile_explicit_deny(dev_profile: str, run_cli: Callable[..., Any]) -> None:
    code, data, _ = can_i(run_cli, dev_profile, "s3:DeleteBucket", "arn:aws:s3:::bucket", "--no-simulate")
    assert (code, data["decision"], data["matched"]) == (1, "explicitDeny",
                                                         [{"policy": "dev-inline", "statement": "NoDelete"}])
    assert data["simulator"] is None


def test_profile_boundary_blocks(dev_profile: str, run_cli: Callable[..., Any]) -> None:
    code, data, _ = can_i(run_cli, dev_profile, "iam:CreateUser", "--no-simulate")
    assert (code, data["decision"], data["matched"]) == (1, "implicitDeny", [])


def test_role_tags_fill_principal_tag_variables(dev_profile: str, run_cli: Callable[..., Any]) -> None:
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"
    assert can_i(run_cli, dev_profile, "dynamodb:GetItem", table + "sre-orders", "--no-simulate")[0] == 0
    assert can_i(run_cli, dev_profile, "dynamodb:GetItem", table + "web-orders", "--no-simulate")[0] == 1
    # --context overrides what the session implies.
    assert can_i(run_cli, dev_profile, "dynamodb:GetItem", table + "web-orders", "--no-simulate",
                 "--context", "aws:PrincipalTag/team=web")[0] == 0


def test_profile_text_output(dev_profile: str, run_cli: Callable[..., Any]) -> None:
    result = run_cli("can-i", dev_profile, "iam:CreateUser", "--no-simulate")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "implicitDeny: iam:CreateUser on *",
        "  the permissions boundary DataBoundary does not allow iam:CreateUser on *"]


def test_unknown_profile_is_one_line(aws_env: Any, run_cli: Callable[..., Any]) -> None:
    result = run_cli("can-i", "nope", "s3:GetObject")
    assert result.returncode == 3 and len(result.stderr.strip().splitlines()) == 1
    assert "nope" in result.stderr and "Traceback" not in result.stderr
