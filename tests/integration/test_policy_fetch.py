"""fetch_role_policies against moto over HTTP; AccessDenied and outages via botocore's Stubber (a stub)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from roleswitch.core.policy.fetch import (
    PolicyCache,
    cached_role_policies,
    fetch_principal_policies,
    fetch_role_policies,
    fetch_role_policies_with,
    session_policies,
)

ACCOUNT = "123456789012"  # moto's default account
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
READ_S3_V2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                                                      "Resource": "*"}]}
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "ec2:*"],
                                                    "Resource": "*"}]}
INLINE = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Abac", "Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
    "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]}


def iam(endpoint: str) -> object:
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def seed_role(client: object, *, name: str = "Deployer", admin: bool = True) -> str:
    role = client.create_role(RoleName=name, Path="/team/", AssumeRolePolicyDocument=json.dumps(TRUST),
                              MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "sre"}])["Role"]
    custom = client.create_policy(PolicyName="ReadS3", PolicyDocument=json.dumps(READ_S3))["Policy"]["Arn"]
    client.create_policy_version(PolicyArn=custom, PolicyDocument=json.dumps(READ_S3_V2), SetAsDefault=True)
    boundary = client.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(BOUNDARY))["Policy"]["Arn"]
    client.attach_role_policy(RoleName=name, PolicyArn=custom)
    if admin:
        client.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    client.put_role_policy(RoleName=name, PolicyName="abac", PolicyDocument=json.dumps(INLINE))
    client.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    return str(role["Arn"])


def test_reads_managed_inline_boundary_trust_and_limits(aws_env: object, moto_managed_policies: str) -> None:
    client = iam(moto_managed_policies)
    arn = seed_role(client)
    clock = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    got = fetch_role_policies(client, arn, now=lambda: clock)
    assert got.problems == []
    assert got.complete
    names = [p.name for p in got.identity]
    assert sorted(names[:2]) == ["AdministratorAccess", "ReadS3"] and names[2] == "abac"  # managed, then inline
    by_name = {p.name: p for p in got.identity}
    # The DEFAULT version (v2) is read, not v1.
    assert by_name["ReadS3"].document == READ_S3_V2
    assert by_name["ReadS3"].arn == f"arn:aws:iam::{ACCOUNT}:policy/ReadS3"
    assert by_name["AdministratorAccess"].document["Statement"][0]["Action"] == "*"
    assert by_name["abac"].document == INLINE and by_name["abac"].arn is None
    assert got.boundary is not None and got.boundary.document == BOUNDARY
    assert got.trust == TRUST
    assert got.max_session_duration == 7200
    assert got.tags == {"team": "sre"}
    assert got.fetched_at == clock


def test_role_without_boundary_has_no_problem(aws_env: object, moto_server: str) -> None:
    client = iam(moto_server)
    arn = client.create_role(RoleName="Plain", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    got = fetch_role_policies(client, arn)
    assert got.problems == [] and got.boundary is None and got.identity == []
    assert got.max_session_duration == 3600


def test_missing_role_is_explained_not_raised(aws_env: object, moto_server: str) -> None:
    got = fetch_role_policies(iam(moto_server), f"arn:aws:iam::{ACCOUNT}:role/Nope")
    assert got.trust is None and got.identity == []
    # Every part failed the same way: one merged line, naming the calls and the likely cause.
    assert got.problems == [
        f"the role's policies are unknown: arn:aws:iam::{ACCOUNT}:role/Nope is not visible to the current identity "
        "(iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies, iam:ListRoleTags: NoSuchEntity); "
        "a role in another account can only be read with its own session"]


def _denied(stub: Stubber, method: str) -> None:
    stub.add_client_error(method, service_error_code="AccessDenied", service_message="not authorized",
                          http_status_code=403)


def test_access_denied_names_the_permission_and_what_is_still_known() -> None:
    """Stubbed IAM (botocore Stubber, real response shapes): only ListAttachedRolePolicies is refused."""
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    arn = f"arn:aws:iam::{ACCOUNT}:role/Deployer"
    with Stubber(client) as stub:
        stub.add_response("get_role", {"Role": {
            "Path": "/", "RoleName": "Deployer", "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": arn,
            "CreateDate": datetime(2026, 1, 1, tzinfo=UTC), "AssumeRolePolicyDocument": json.dumps(TRUST),
            "MaxSessionDuration": 3600}}, {"RoleName": "Deployer"})
        _denied(stub, "list_attached_role_policies")
        stub.add_response("list_role_policies", {"PolicyNames": ["abac"], "IsTruncated": False})
        stub.add_response("get_role_policy", {"RoleName": "Deployer", "PolicyName": "abac",
                                              "PolicyDocument": json.dumps(INLINE)})
        stub.add_response("list_role_tags", {"Tags": [], "IsTruncated": False})
        got = fetch_role_policies(client, arn, label="the role session")
    assert got.trust == TRUST and [p.name for p in got.identity] == ["abac"]
    assert len(got.problems) == 1
    problem = got.problems[0]
    assert problem.startswith("managed policies unknown: iam:ListAttachedRolePolicies was refused to "
                              "the role session on " + arn)
    assert "still known: trust policy and MaxSessionDuration, inline policies" in problem


def test_each_part_comes_from_the_first_identity_that_may_read_it(aws_env: object, moto_server: str) -> None:
    real = iam(moto_server)
    arn = real.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    real.put_role_policy(RoleName="R", PolicyName="abac", PolicyDocument=json.dumps(INLINE))
    session_client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(session_client) as stub:  # the session may not read IAM at all
        for method in ("get_role", "list_attached_role_policies", "list_role_policies", "list_role_tags"):
            _denied(stub, method)
        got = fetch_role_policies_with([("the role session", session_client), ("alice", real)], arn)
    assert got.problems == []
    assert got.read_with == ("alice",)
    assert [p.name for p in got.identity] == ["abac"]


def test_everything_refused_still_returns_and_explains() -> None:
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        for method in ("get_role", "list_attached_role_policies", "list_role_policies", "list_role_tags"):
            _denied(stub, method)
        got = fetch_role_policies(client, f"arn:aws:iam::{ACCOUNT}:role/R", label="bob")
    assert got.trust is None and got.identity == [] and got.max_session_duration is None
    assert got.problems == [
        "the role's policies are unknown: iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies, "
        f"iam:ListRoleTags were refused to bob on arn:aws:iam::{ACCOUNT}:role/R"]


def test_no_network_is_a_problem_not_a_crash(isolated_env: object) -> None:
    client = boto3.client("iam", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y",
                          config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    got = fetch_role_policies(client, f"arn:aws:iam::{ACCOUNT}:role/R")
    assert got.trust is None
    assert got.problems and "could not be called" in got.problems[0]


def test_user_policies_with_groups(aws_env: object, moto_server: str) -> None:
    client = iam(moto_server)
    user = client.create_user(UserName="alice")["User"]["Arn"]
    custom = client.create_policy(PolicyName="ReadS3", PolicyDocument=json.dumps(READ_S3))["Policy"]["Arn"]
    client.attach_user_policy(UserName="alice", PolicyArn=custom)
    client.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=json.dumps(INLINE))
    client.create_group(GroupName="devs")
    client.add_user_to_group(GroupName="devs", UserName="alice")
    client.put_group_policy(GroupName="devs", PolicyName="grp", PolicyDocument=json.dumps(BOUNDARY))
    got = fetch_principal_policies(client, user)
    assert got.kind == "user" and got.problems == []
    assert [p.name for p in got.identity] == ["ReadS3", "own", "devs/grp"]


def test_assumed_role_session_resolves_to_its_role(aws_env: object, moto_server: str) -> None:
    client = iam(moto_server)
    seed_role(client, admin=False)
    got = fetch_principal_policies(client, f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/alice")
    assert got.kind == "role" and got.problems == []
    assert [p.name for p in got.identity] == ["ReadS3", "abac"]


def test_session_policies_inline_and_managed(aws_env: object, moto_server: str) -> None:
    client = iam(moto_server)
    arn = client.create_policy(PolicyName="Narrow", PolicyDocument=json.dumps(READ_S3))["Policy"]["Arn"]
    policies, problems = session_policies(json.dumps(BOUNDARY), [arn, arn + "-missing"], client)
    assert [p.name for p in policies] == ["session policy", "Narrow"]
    assert len(problems) == 1 and "Narrow-missing" in problems[0]
    _, bad = session_policies("{not json", [])
    assert bad and "not valid JSON" in bad[0]


def test_cache_ttl_uses_the_injected_clock(aws_env: object, moto_server: str) -> None:
    client = iam(moto_server)
    arn = client.create_role(RoleName="C", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    t = [datetime(2026, 1, 1, tzinfo=UTC)]
    cache = PolicyCache(ttl_seconds=300, now=lambda: t[0])
    first = cached_role_policies([("me", client)], arn, cache=cache)
    client.put_role_policy(RoleName="C", PolicyName="later", PolicyDocument=json.dumps(INLINE))
    t[0] += timedelta(seconds=299)
    assert cached_role_policies([("me", client)], arn, cache=cache) is first
    t[0] += timedelta(seconds=1)
    fresh = cached_role_policies([("me", client)], arn, cache=cache)
    assert fresh is not first and [p.name for p in fresh.identity] == ["later"]
    assert cached_role_policies([("me", client)], arn, cache=cache, refresh=True) is not fresh


@pytest.mark.parametrize("readers", [[("a", None)], []])
def test_no_client_at_all(readers: list) -> None:
    got = fetch_role_policies_with(readers, f"arn:aws:iam::{ACCOUNT}:role/R")
    assert got.problems == ["no identity to read IAM with: the role's policies are unknown"]
