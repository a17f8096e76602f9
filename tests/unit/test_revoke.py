"""core/revoke.py: the AWSRevokeOlderSessions document, its cut-off, the IAM calls and our cache.

The IAM calls run against moto over HTTP (PutRolePolicy/GetRolePolicy are real there); moto does not
evaluate policies, so the document's effect is proven with roleswitch's own evaluator. AccessDenied, which
moto never returns for IAM, comes from botocore's Stubber (a stub, named as such).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.stub import Stubber

from roleswitch.core import revoke
from roleswitch.core.cache import CredentialCache
from roleswitch.core.errors import StsError, UsageError
from roleswitch.core.model import Credentials, Session, StsApi
from roleswitch.core.policy.evaluator import NamedPolicy, Request, evaluate

ACCOUNT = "123456789012"  # moto's default account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admin"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
ALLOW_ALL = NamedPolicy("AdministratorAccess", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def clock(value: datetime = NOW) -> Any:
    return lambda: value


# --------------------------------------------------------------------------------------- the document

def test_document_is_the_one_the_iam_console_writes() -> None:
    assert revoke.revoke_policy_document(NOW) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                       "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-03-04T05:06:07Z"}}}],
    }
    assert revoke.REVOKE_POLICY_NAME == "AWSRevokeOlderSessions"


def test_default_cutoff_rounds_up_to_a_whole_second() -> None:
    assert revoke.cutoff_now(clock(NOW)) == NOW
    assert revoke.cutoff_now(clock(NOW.replace(microsecond=1))) == NOW + timedelta(seconds=1)
    assert revoke.parse_cutoff(None, now=clock()) == NOW
    assert revoke.parse_cutoff("now", now=clock()) == NOW


def test_parse_cutoff_accepts_zones_and_converts_to_utc() -> None:
    assert revoke.parse_cutoff("2026-03-04T06:00:00+01:00", now=clock()) == datetime(2026, 3, 4, 5, tzinfo=UTC)
    assert revoke.parse_cutoff("2026-03-04T05:00:00Z", now=clock()) == datetime(2026, 3, 4, 5, tzinfo=UTC)
    # A minute of clock skew is allowed.
    assert revoke.parse_cutoff("2026-03-04T05:06:37Z", now=clock()) == NOW + timedelta(seconds=30)


@pytest.mark.parametrize(("text", "says"), [
    ("yesterday", "is not a time"),
    ("2026-03-04T05:00:00", "has no time zone"),
    ("2026-03-04T07:00:00Z", "is in the future"),
])
def test_parse_cutoff_rejects_in_one_line(text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        revoke.parse_cutoff(text, now=clock())
    line = caught.value.one_line()
    assert says in line and line.startswith("--before: ") and "\n" not in line
    assert caught.value.exit_code == 2


def test_policy_cutoff_reads_what_iam_returns() -> None:
    doc = revoke.revoke_policy_document(NOW)
    assert revoke.policy_cutoff(doc) == NOW
    assert revoke.policy_cutoff(json.dumps(doc)) == NOW
    assert revoke.policy_cutoff(quote(json.dumps(doc))) == NOW  # IAM's URL-encoded form
    legacy = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
              "Condition": {"DateLessThan": {"aws:tokenissuetime": ["2014-05-07T23:47:00Z"]}}}}
    assert revoke.policy_cutoff(legacy) == datetime(2014, 5, 7, 23, 47, tzinfo=UTC)
    assert revoke.policy_cutoff({"Statement": [{"Effect": "Allow", "Condition": {
        "DateLessThan": {"aws:TokenIssueTime": "2014-05-07T23:47:00Z"}}}]}) is None
    assert revoke.policy_cutoff("not json") is None


def test_role_name_and_refusals() -> None:
    assert revoke.role_name_of(f"arn:aws:iam::{ACCOUNT}:role/team/ops/Admin") == "Admin"
    with pytest.raises(UsageError, match="service-linked"):
        revoke.role_name_of(f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
    with pytest.raises(UsageError, match="not an IAM role ARN"):
        revoke.role_name_of(f"arn:aws:iam::{ACCOUNT}:user/alice")


# --------------------------------------------------------------------------------- the evaluator proves it

@pytest.mark.parametrize(("issued", "decision"), [
    ("2026-03-04T05:06:06Z", "explicitDeny"),   # one second before the cut-off
    ("2026-03-04T01:00:00Z", "explicitDeny"),
    ("2026-03-04T05:06:07Z", "allowed"),        # DateLessThan is strict: issued at the cut-off survives
    ("2026-03-04T05:10:00Z", "allowed"),
])
def test_sessions_before_the_cutoff_are_explicitly_denied(issued: str, decision: str) -> None:
    policy = NamedPolicy(revoke.REVOKE_POLICY_NAME, revoke.revoke_policy_document(NOW))
    for action, resource in (("s3:GetObject", "arn:aws:s3:::b/k"), ("iam:CreateUser", "*"), ("sts:AssumeRole", ROLE)):
        answer = evaluate(Request(action, resource, {"aws:TokenIssueTime": issued}), [ALLOW_ALL, policy])
        assert answer.decision == decision
        if decision == "explicitDeny":
            assert [(m.policy, m.effect) for m in answer.matched] == [("AWSRevokeOlderSessions", "Deny")]


# --------------------------------------------------------------------------------------- moto (HTTP)

@pytest.fixture
def iam(moto_server: str) -> Any:
    client = boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1",
                          aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    client.create_role(RoleName="Admin", AssumeRolePolicyDocument=json.dumps(TRUST))
    return client


def stored(iam: Any) -> Any:
    body = iam.get_role_policy(RoleName="Admin", PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    return body if isinstance(body, dict) else json.loads(body)


def test_revoke_puts_the_policy_and_the_stored_document_denies_older_sessions(iam: Any) -> None:
    result = revoke.revoke_sessions(iam, ROLE, NOW)
    assert result.changed and result.plan.previous is None and result.plan.previous_note is None
    document = stored(iam)
    assert document == revoke.revoke_policy_document(NOW)
    assert iam.list_role_policies(RoleName="Admin")["PolicyNames"] == ["AWSRevokeOlderSessions"]
    # What IAM now holds, evaluated: the older session is denied, a newer one is not.
    policies = [ALLOW_ALL, NamedPolicy("AWSRevokeOlderSessions", document)]
    older = Request("ec2:TerminateInstances", "*", {"aws:TokenIssueTime": "2026-03-04T04:00:00Z"})
    newer = Request("ec2:TerminateInstances", "*", {"aws:TokenIssueTime": "2026-03-04T05:07:00Z"})
    assert evaluate(older, policies).decision == "explicitDeny"
    assert evaluate(newer, policies).decision == "allowed"


def test_revoking_again_moves_the_cutoff_forward_never_back(iam: Any) -> None:
    revoke.revoke_sessions(iam, ROLE, NOW)
    later = NOW + timedelta(hours=1)
    again = revoke.revoke_sessions(iam, ROLE, later)
    assert again.changed and again.plan.previous == NOW
    assert revoke.policy_cutoff(stored(iam)) == later
    # An earlier cut-off would hand revoked sessions their permissions back: nothing is written.
    back = revoke.revoke_sessions(iam, ROLE, NOW)
    assert not back.changed and back.plan.previous == later and not back.plan.needed
    assert revoke.policy_cutoff(stored(iam)) == later


def test_role_with_a_path(moto_server: str, iam: Any) -> None:
    iam.create_role(RoleName="Deploy", Path="/ci/", AssumeRolePolicyDocument=json.dumps(TRUST))
    revoke.revoke_sessions(iam, f"arn:aws:iam::{ACCOUNT}:role/ci/Deploy", NOW)
    body = iam.get_role_policy(RoleName="Deploy", PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    assert revoke.policy_cutoff(body) == NOW


def test_missing_role_is_one_clear_aws_error(iam: Any) -> None:
    with pytest.raises(StsError) as caught:
        revoke.revoke_sessions(iam, f"arn:aws:iam::{ACCOUNT}:role/Nope", NOW)
    assert caught.value.code == "NoSuchEntity" and caught.value.exit_code == 4
    assert "check the profile's role_arn" in caught.value.one_line()


# ------------------------------------------------------------------------------ AccessDenied (Stubber)

@pytest.fixture
def iam_stub() -> Any:
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_access_denied_explains_put_role_policy(iam_stub: Any) -> None:
    client, stubber = iam_stub
    message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/alice is not authorized to perform: "
               "iam:PutRolePolicy on resource: role Admin because no identity-based policy allows it")
    stubber.add_client_error("get_role_policy", "AccessDenied", "not authorized to perform: iam:GetRolePolicy",
                             http_status_code=403,
                             expected_params={"RoleName": "Admin", "PolicyName": "AWSRevokeOlderSessions"})
    stubber.add_client_error("put_role_policy", "AccessDenied", message, http_status_code=403, expected_params={
        "RoleName": "Admin", "PolicyName": "AWSRevokeOlderSessions",
        "PolicyDocument": json.dumps(revoke.revoke_policy_document(NOW), separators=(",", ":"))})
    plan = revoke.plan_revoke(client, ROLE, NOW)
    assert plan.previous is None and "iam:GetRolePolicy: AccessDenied" in str(plan.previous_note)
    with pytest.raises(StsError) as caught:
        revoke.apply_revoke(client, plan)
    error = caught.value
    line = error.one_line()
    assert error.code == "AccessDenied" and error.exit_code == 4 and "\n" not in line
    assert line.startswith("iam:PutRolePolicy arn:aws:iam::123456789012:role/Admin failed: AccessDenied")
    assert "needs iam:PutRolePolicy on arn:aws:iam::123456789012:role/Admin" in line
    assert "--using PROFILE" in line
    assert "trust policy" not in line  # not the AssumeRole hint


def test_throttled_put_is_reported_not_retried_forever(iam_stub: Any) -> None:
    client, stubber = iam_stub
    stubber.add_response("get_role_policy", {
        "RoleName": "Admin", "PolicyName": "AWSRevokeOlderSessions",
        "PolicyDocument": json.dumps(revoke.revoke_policy_document(NOW - timedelta(days=1)))})
    stubber.add_client_error("put_role_policy", "Throttling", "Rate exceeded", http_status_code=400)
    plan = revoke.plan_revoke(client, ROLE, NOW)
    assert plan.previous == NOW - timedelta(days=1) and plan.needed
    with pytest.raises(StsError) as caught:
        revoke.apply_revoke(client, plan)
    assert caught.value.code == "Throttling" and "wait a minute" in caught.value.one_line()


# ------------------------------------------------------------------------------------- our own cache

def _session(profile: str, role_arn: str | None, created: datetime, api: StsApi = StsApi.ASSUME_ROLE) -> Session:
    creds = Credentials("ASIAEXAMPLE" + profile.upper()[:5], "secret/" + profile, "token-" + profile,
                        NOW + timedelta(hours=1))
    return Session(profile=profile, credentials=creds, api=api, role_arn=role_arn, created=created)


def test_forget_revoked_removes_only_this_roles_older_sessions(tmp_path: Path) -> None:
    cache = CredentialCache(str(tmp_path / "cache"), now=clock(), stamp="s")
    old = NOW - timedelta(hours=2)
    sessions = {
        "admin-old": _session("admin", ROLE, old),
        "admin-other-options": _session("admin", ROLE, NOW - timedelta(minutes=5)),
        "alias-same-role": _session("prod", f"arn:aws:iam::{ACCOUNT}:role/path/admin", old),  # case, path
        "admin-new": _session("admin", ROLE, NOW + timedelta(seconds=1)),
        "other-role": _session("dev", f"arn:aws:iam::{ACCOUNT}:role/Dev", old),
        "other-account": _session("x", "arn:aws:iam::210987654321:role/Admin", old),
        "mfa": _session("mfa:arn:aws:iam::1:mfa/a", None, old, StsApi.GET_SESSION_TOKEN),
    }
    keys = {label: cache.key(label) for label in sessions}
    for label, session in sessions.items():
        cache.put(keys[label], session)
    removed = revoke.forget_revoked(cache, ROLE, NOW)
    assert sorted(removed) == ["admin-old", "admin-other-options", "alias-same-role"]
    left = {e.key for e in cache.entries()}
    assert left == {keys[k] for k in ("admin-new", "other-role", "other-account", "mfa")}
