"""The simulator second opinion (iam:SimulatePrincipalPolicy).

moto does not implement the IAM policy simulator, so these tests use botocore's Stubber (a stub, named as
such) with response shapes from botocore's own IAM service model, and check the exact parameters sent.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from roleswitch.cli.policy_cmds import render_json, render_text
from roleswitch.core.policy import NamedPolicy, Request, evaluate
from roleswitch.core.policy.simulate import context_entries, simulate_principal

ROLE = "arn:aws:iam::111122223333:role/Dev"


@pytest.fixture
def iam_stub() -> Any:
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def result(decision: str, **extra: Any) -> dict[str, Any]:
    return {"EvaluationResults": [{"EvalActionName": "s3:GetObject", "EvalResourceName": "arn:aws:s3:::b/k",
                                   "EvalDecision": decision, **extra}], "IsTruncated": False}


def test_simulator_allowed_with_exact_parameters(iam_stub: Any) -> None:
    client, stubber = iam_stub
    request = Request("s3:GetObject", "arn:aws:s3:::b/k",
                      {"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ("a", "b"), "aws:PrincipalTag/team": "sre"})
    session = NamedPolicy("session", {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",
                                                                           "Resource": "*"}})
    stubber.add_response("simulate_principal_policy", result("allowed", MatchedStatements=[
        {"SourcePolicyId": "ReadOnly", "SourcePolicyType": "role",
         "StartPosition": {"Line": 3, "Column": 5}, "EndPosition": {"Line": 9, "Column": 6}}]),
        expected_params={
            "PolicySourceArn": ROLE, "ActionNames": ["s3:GetObject"], "ResourceArns": ["arn:aws:s3:::b/k"],
            "ContextEntries": [
                {"ContextKeyName": "aws:sourceip", "ContextKeyValues": ["203.0.113.7"], "ContextKeyType": "ip"},
                {"ContextKeyName": "aws:tagkeys", "ContextKeyValues": ["a", "b"], "ContextKeyType": "stringList"},
                {"ContextKeyName": "aws:principaltag/team", "ContextKeyValues": ["sre"],
                 "ContextKeyType": "string"},
            ],
            # No PolicyInputList: the simulator would treat session policies as extra identity policies.
        })
    answer = simulate_principal(client, ROLE, request, session_policies=[session])
    assert answer.decision is not None
    assert answer.decision.decision == "allowed"
    assert [(m.policy, m.statement) for m in answer.decision.matched] == [("ReadOnly", "line 3")]
    assert answer.note == "the simulator does not apply session policies"


def test_simulator_access_denied_is_a_note_not_an_error(iam_stub: Any) -> None:
    client, stubber = iam_stub
    stubber.add_client_error("simulate_principal_policy", service_error_code="AccessDenied",
                             service_message="User is not authorized to perform: iam:SimulatePrincipalPolicy",
                             http_status_code=403)
    answer = simulate_principal(client, ROLE, Request("s3:GetObject"))
    assert answer.decision is None
    assert "not permitted" in answer.note and "iam:SimulatePrincipalPolicy" in answer.note


def test_simulator_other_error_is_a_note(iam_stub: Any) -> None:
    client, stubber = iam_stub
    stubber.add_client_error("simulate_principal_policy", service_error_code="NoSuchEntity",
                             service_message="role not found", http_status_code=404)
    answer = simulate_principal(client, ROLE, Request("s3:GetObject"))
    assert answer.decision is None and "NoSuchEntity" in answer.note


def test_both_answers_shown_when_they_differ(iam_stub: Any) -> None:
    """The simulator knows nothing of session tags given locally: the text output shows both answers."""
    client, stubber = iam_stub
    stubber.add_response("simulate_principal_policy", result(
        "implicitDeny", MissingContextValues=["aws:PrincipalTag/team"],
        PermissionsBoundaryDecisionDetail={"AllowedByPermissionsBoundary": True}))
    policy = NamedPolicy("TeamBucket", {"Version": "2012-10-17", "Statement": {
        "Sid": "Team", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}})
    request = Request("s3:GetObject", "arn:aws:s3:::b/sre/k", {"aws:PrincipalTag/team": "sre"})
    local = evaluate(request, [policy])
    sim = simulate_principal(client, ROLE, request)
    text = render_text(local, request, simulator=sim)
    assert text.splitlines()[0] == "allowed: s3:GetObject on arn:aws:s3:::b/sre/k"
    assert "IAM policy simulator DIFFERS: implicitDeny (local evaluator: allowed)" in text
    assert "aws:PrincipalTag/team" in text
    data = json.loads(render_json(local, simulator=sim, profile_form=True))
    assert data["decision"] == "allowed" and data["simulator"] == {"decision": "implicitDeny", "matched": []}


def test_agreeing_answers_are_one_line(iam_stub: Any) -> None:
    client, stubber = iam_stub
    stubber.add_response("simulate_principal_policy", result("explicitDeny", MatchedStatements=[
        {"SourcePolicyId": "NoS3", "SourcePolicyType": "role"}]))
    policy = NamedPolicy("NoS3", {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*",
                                                                        "Resource": "*"}})
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    text = render_text(evaluate(request, [policy]), request, simulator=simulate_principal(client, ROLE, request))
    assert "IAM policy simulator agrees: explicitDeny" in text


def test_context_entry_types() -> None:
    entries = context_entries({"aws:currenttime": ("2024-01-01T00:00:00Z",), "aws:multifactorauthpresent":
                               ("true",), "aws:epochtime": ("1",), "s3:prefix": ("a", "b")})
    assert [e["ContextKeyType"] for e in entries] == ["date", "boolean", "numeric", "stringList"]
