"""The local IAM evaluator against the cases of AWS's IAM User Guide.

Each test names the page its case comes from (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from roleswitch.core.errors import ValidationError
from roleswitch.core.policy import (
    NamedPolicy,
    Request,
    compile_policy,
    context_from_session,
    evaluate,
    load_policy_text,
)

V12 = "2012-10-17"


def pol(*statements: dict[str, Any], name: str = "P", version: str | None = V12) -> NamedPolicy:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return NamedPolicy(name, document)


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(policy: NamedPolicy, action: str, resource: str = "*", **context: Any) -> str:
    return evaluate(Request(action, resource, context), [policy]).decision


def cond(condition: dict[str, Any], **context: Any) -> bool:
    """True when an Allow guarded by ``condition`` allows a request with ``context`` (keys with '__' = ':')."""
    ctx = {k.replace("__", ":").replace("_SLASH_", "/"): v for k, v in context.items()}
    policy = pol(allow("s3:GetObject", "*", Condition=condition))
    return evaluate(Request("s3:GetObject", "*", ctx), [policy]).allowed


# ------------------------------------------------------------------------ reference_policies_evaluation-logic

def test_default_is_implicit_deny() -> None:
    """reference_policies_evaluation-logic.html: by default all requests are implicitly denied."""
    decision = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [])
    assert decision.decision == "implicitDeny"
    assert decision.matched == ()


def test_explicit_deny_overrides_allow_in_any_policy() -> None:
    """reference_policies_evaluation-logic.html: an explicit deny in any policy overrides any allow."""
    admin = pol({"Sid": "Admin", **allow()}, name="AdministratorAccess")
    no_iam = pol({"Sid": "NoIam", **deny("iam:*")}, name="DenyIam")
    decision = evaluate(Request("iam:CreateUser", "arn:aws:iam::111122223333:user/bob"), [admin, no_iam])
    assert decision.decision == "explicitDeny"
    assert [(m.policy, m.statement, m.effect) for m in decision.matched] == [("DenyIam", "NoIam", "Deny")]
    assert evaluate(Request("s3:ListBucket"), [admin, no_iam]).decision == "allowed"


def test_allowed_reports_every_allowing_statement_with_sid_or_index() -> None:
    """reference_policies_evaluation-logic.html: the decision names the statements that allowed it."""
    p = pol(allow("s3:Get*"), {"Sid": "Read", **allow("s3:GetObject")}, name="Reader")
    decision = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [p])
    assert decision.decision == "allowed"
    assert [(m.policy, m.statement) for m in decision.matched] == [("Reader", 0), ("Reader", "Read")]
    assert decision.to_dict() == {"decision": "allowed", "matched": [{"policy": "Reader", "statement": 0},
                                                                   {"policy": "Reader", "statement": "Read"}]}


def test_boundary_limits_identity_policy() -> None:
    """access_policies_boundaries.html: the boundary allows s3, cloudwatch and ec2; an identity policy that
    allows iam:CreateUser gives nothing because the boundary does not allow it."""
    boundary = pol(allow(["s3:*", "cloudwatch:*", "ec2:*"]), name="Boundary")
    identity = pol(allow("iam:CreateUser", "*"), allow("s3:GetObject"), name="Identity")
    create = evaluate(Request("iam:CreateUser"), [identity], boundary=boundary)
    assert create.decision == "implicitDeny"
    assert "permissions boundary Boundary" in create.reason
    assert [m.source for m in create.partial] == ["identity"]
    get = evaluate(Request("s3:GetObject"), [identity], boundary=boundary)
    assert get.decision == "allowed"
    assert {m.source for m in get.matched} == {"identity", "boundary"}
    # The boundary alone grants nothing (access_policies_boundaries.html: it does not grant permissions).
    assert evaluate(Request("ec2:RunInstances"), [identity], boundary=boundary).decision == "implicitDeny"


def test_explicit_deny_in_boundary_wins() -> None:
    """access_policies_boundaries.html: an explicit deny in a boundary overrides identity allows."""
    boundary = pol(allow(), {"Sid": "NoDelete", **deny("s3:DeleteObject")}, name="Boundary")
    decision = evaluate(Request("s3:DeleteObject"), [pol(allow())], boundary=boundary)
    assert decision.decision == "explicitDeny"
    assert decision.matched[0].source == "boundary" and decision.matched[0].statement == "NoDelete"


def test_session_policy_limits_role_permissions() -> None:
    """access_policies.html#policies_session: the session's permissions are the intersection of the role's
    identity policies and the session policy."""
    role = pol(allow("s3:*"), name="RolePolicy")
    session = pol(allow("s3:GetObject", "arn:aws:s3:::b/*"), name="SessionPolicy")
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [role],
                    session_policies=[session]).decision == "allowed"
    put = evaluate(Request("s3:PutObject", "arn:aws:s3:::b/k"), [role], session_policies=[session])
    assert put.decision == "implicitDeny" and "session policy" in put.reason
    # A session policy cannot grant what the role lacks.
    assert evaluate(Request("ec2:RunInstances"), [role],
                    session_policies=[pol(allow())]).decision == "implicitDeny"


def test_identity_boundary_and_session_all_required() -> None:
    """reference_policies_evaluation-logic.html: identity AND boundary AND session must each allow."""
    req = Request("s3:GetObject", "arn:aws:s3:::b/k")
    ok = evaluate(req, [pol(allow("s3:*"))], boundary=pol(allow("s3:Get*")),
                  session_policies=[pol(allow("s3:GetObject"))])
    assert ok.decision == "allowed" and {m.source for m in ok.matched} == {"identity", "boundary", "session"}
    deny_in_session = evaluate(req, [pol(allow())], session_policies=[pol(allow(), deny("s3:GetObject"))])
    assert deny_in_session.decision == "explicitDeny"


# ---------------------------------------------------------------------- reference_policies_elements_action

def test_action_is_case_insensitive_with_wildcards() -> None:
    """reference_policies_elements_action.html: action names are not case-sensitive; "iam:*AccessKey*"
    matches every access-key action; "?" is one character."""
    p = pol(allow("iam:*AccessKey*"))
    assert decide(p, "iam:ListAccessKeys") == "allowed"
    assert decide(p, "IAM:createaccesskey") == "allowed"
    assert decide(p, "iam:ListUsers") == "implicitDeny"
    q = pol(allow(["s3:Get?bject", "EC2:describe*"]))
    assert decide(q, "s3:GetObject") == "allowed"
    assert decide(q, "s3:GetObjectAcl") == "implicitDeny"
    assert decide(q, "ec2:DescribeInstances") == "allowed"


def test_action_wildcard_does_not_leak_across_services() -> None:
    """reference_policies_elements_action.html: "s3:*" is every S3 action and nothing else."""
    p = pol(allow("s3:*"))
    assert decide(p, "s3:PutObject") == "allowed"
    assert decide(p, "s3express:CreateSession") == "implicitDeny"


def test_not_action_allow_everything_except_iam() -> None:
    """reference_policies_elements_notaction.html: Allow + NotAction "iam:*" allows every other service."""
    p = pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide(p, "s3:ListAllMyBuckets") == "allowed"
    assert decide(p, "iam:CreateUser") == "implicitDeny"


def test_not_action_deny_without_mfa() -> None:
    """reference_policies_elements_notaction.html: deny everything except IAM unless signed in with MFA
    (Deny + NotAction + BoolIfExists aws:MultiFactorAuthPresent false)."""
    p = pol(allow(), {"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})
    assert decide(p, "s3:GetObject") == "explicitDeny"  # key absent (long-term keys): IfExists -> true
    assert decide(p, "s3:GetObject", **{"aws:MultiFactorAuthPresent": "false"}) == "explicitDeny"
    assert decide(p, "s3:GetObject", **{"aws:MultiFactorAuthPresent": "true"}) == "allowed"
    assert decide(p, "iam:ChangePassword") == "allowed"


# --------------------------------------------------------------------- reference_policies_elements_resource

def test_resource_is_case_sensitive_with_wildcards() -> None:
    """reference_policies_elements_resource.html: in Resource the IAM user name is case sensitive;
    "user/accounting/*" covers every user under the path."""
    p = pol(allow("iam:GetUser", "arn:aws:iam::111122223333:user/accounting/*"),
            allow("iam:GetUser", "arn:aws:iam::111122223333:user/Bob"))
    assert decide(p, "iam:GetUser", "arn:aws:iam::111122223333:user/accounting/alice") == "allowed"
    assert decide(p, "iam:GetUser", "arn:aws:iam::111122223333:user/Bob") == "allowed"
    assert decide(p, "iam:GetUser", "arn:aws:iam::111122223333:user/bob") == "implicitDeny"


def test_resource_wildcard_stays_in_segment_unless_it_ends_it() -> None:
    """reference_policies_elements_resource.html: wildcards work within ARN segments; a * that is the last
    character of a segment can match past the colon boundaries."""
    p = pol(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/a/b:c") == "allowed"  # ends the ARN: spans ':' and '/'
    q = pol(allow("logs:PutLogEvents", "arn:aws:logs:us-*-1:111122223333:log-group:app"))
    assert decide(q, "logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:app") == "allowed"
    assert decide(q, "logs:PutLogEvents", "arn:aws:logs:us-x:y-1:111122223333:log-group:app") == "implicitDeny"
    r = pol(allow("ec2:*", "arn:aws:ec2:*"))  # * ends a segment: everything in ec2
    assert decide(r, "ec2:RunInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1") == "allowed"


def test_not_resource_with_deny_protects_everything_else() -> None:
    """reference_policies_elements_notresource.html: Deny + NotResource denies every resource except those
    listed (the HRBucket/Payroll example)."""
    p = pol(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*",
                            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]})
    assert decide(p, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2024.csv") == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::HRBucket/Other") == "explicitDeny"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::hrbucket/Payroll/x") == "explicitDeny"  # case-sensitive


def test_not_resource_with_allow() -> None:
    """reference_policies_elements_notresource.html: Allow + NotResource allows all but the listed ones."""
    p = pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert decide(p, "s3:GetObject", "arn:aws:s3:::public/x") == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::secret/x") == "implicitDeny"


def test_statement_as_object_and_single_values() -> None:
    """reference_policies_elements_statement.html: Statement is one object or an array of them."""
    p = NamedPolicy("One", {"Version": V12, "Statement": {"Effect": "Allow", "Action": "sqs:SendMessage",
                                                          "Resource": "arn:aws:sqs:us-east-2:111122223333:q"}})
    assert decide(p, "sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:q") == "allowed"


# ---------------------------------------------------------------------------- reference_policies_variables

def test_username_variable_in_resource() -> None:
    """reference_policies_variables.html: "home/${aws:username}/*" gives each user their own prefix."""
    p = pol(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/f", **{"aws:username": "bob"}) \
        == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/f",
                  **{"aws:username": "bob"}) == "implicitDeny"


def test_principal_tag_variable_in_resource() -> None:
    """reference_policies_variables.html (tags as policy variables): ${aws:PrincipalTag/team} in Resource;
    session tags fill aws:PrincipalTag/*."""
    p = pol(allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*"))
    ctx = context_from_session(tags=[("team", "sre")])
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/sre/x", ctx), [p]).allowed
    assert not evaluate(Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/dev/x", ctx), [p]).allowed


def test_missing_variable_makes_statement_not_match_even_deny() -> None:
    """reference_policies_variables.html (policy variables with no value): a variable whose key is absent
    makes the statement not match: an Allow grants nothing, a Deny denies nothing."""
    p = pol(allow("s3:*", "arn:aws:s3:::b/${aws:username}/*"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/${aws:username}/x") == "implicitDeny"
    d = pol(allow(), deny("s3:*", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"))
    assert decide(d, "s3:GetObject", "arn:aws:s3:::b/x/y") == "allowed"
    assert decide(d, "s3:GetObject", "arn:aws:s3:::b/x/y", **{"aws:PrincipalTag/team": "x"}) == "explicitDeny"


def test_variable_default_value() -> None:
    """reference_policies_variables.html (specifying default values): ${aws:PrincipalTag/team, 'company-wide'}."""
    p = pol(allow("s3:*", "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/company-wide/x") == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/sre/x", **{"aws:PrincipalTag/team": "sre"}) == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/company-wide/x",
                  **{"aws:PrincipalTag/team": "sre"}) == "implicitDeny"


def test_special_character_variables_are_literal() -> None:
    """reference_policies_variables.html (special characters): ${*}, ${?}, ${$} stand for the characters
    themselves, not wildcards."""
    p = pol(allow("s3:GetObject", "arn:aws:s3:::b/${*}${?}${$}"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/*?$") == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/ab$") == "implicitDeny"


def test_substituted_value_is_never_a_wildcard() -> None:
    """reference_policies_variables.html: the variable is replaced by the request's value, a literal."""
    p = pol(allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/x"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/*/x", **{"aws:PrincipalTag/team": "*"}) == "allowed"
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/sre/x", **{"aws:PrincipalTag/team": "*"}) == "implicitDeny"


def test_variables_are_literal_without_version_2012() -> None:
    """reference_policies_variables.html: without "Version": "2012-10-17" variables such as
    ${aws:username} are literal strings (a missing Version means 2008-10-17)."""
    for version in (None, "2008-10-17"):
        p = pol(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), version=version)
        assert decide(p, "s3:GetObject", "arn:aws:s3:::b/bob/x", **{"aws:username": "bob"}) == "implicitDeny"
        assert decide(p, "s3:GetObject", "arn:aws:s3:::b/${aws:username}/x",
                      **{"aws:username": "bob"}) == "allowed"


def test_variables_in_condition_values() -> None:
    """reference_policies_variables.html: variables in condition values (s3:prefix "home/${aws:username}/")."""
    p = pol(allow("s3:ListBucket", "arn:aws:s3:::b",
                  Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}))
    assert decide(p, "s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "home/bob/docs",
                                                          "aws:username": "bob"}) == "allowed"
    assert decide(p, "s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "home/alice/",
                                                          "aws:username": "bob"}) == "implicitDeny"
    # Unresolvable variable in the condition: the statement does not match.
    assert decide(p, "s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "home/"}) == "implicitDeny"


def test_variables_not_substituted_in_numeric_operators() -> None:
    """reference_policies_elements_condition_operators.html: Numeric operators do not support policy
    variables, so such a value is rejected as not a number."""
    with pytest.raises(ValidationError, match="not a number"):
        compile_policy(pol(allow(Condition={"NumericLessThan": {"s3:max-keys": "${aws:username}"}})).document)


# ------------------------------------------------------------- reference_policies_elements_condition_operators

def test_string_equals_is_case_sensitive_and_ignorecase_is_not() -> None:
    """reference_policies_elements_condition_operators.html (string): StringEquals exact and case-sensitive;
    StringEqualsIgnoreCase ignores case."""
    c = {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}
    assert cond(c, **{"aws:PrincipalTag/job-category": "iamuser-admin"})
    assert not cond(c, **{"aws:PrincipalTag/job-category": "IAMuser-admin"})
    assert not cond(c)  # key absent: positive operator false
    ic = {"StringEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "iamuser-admin"}}
    assert cond(ic, **{"aws:PrincipalTag/job-category": "IAMUSER-Admin"})


def test_string_like_wildcards() -> None:
    """reference_policies_elements_condition_operators.html (string): StringLike with * and ?."""
    c = {"StringLike": {"s3:prefix": ["home/*", "tmp/?"]}}
    assert cond(c, **{"s3:prefix": "home/a/b"})
    assert cond(c, **{"s3:prefix": "tmp/x"})
    assert not cond(c, **{"s3:prefix": "tmp/xy"})
    assert not cond(c, **{"s3:prefix": "Home/a"})
    assert cond({"StringNotLike": {"s3:prefix": "home/*"}}, **{"s3:prefix": "etc/x"})


def test_condition_key_names_are_case_insensitive() -> None:
    """reference_policies_elements_condition.html: condition key names are not case-sensitive."""
    c = {"StringEquals": {"AWS:PrincipalTag/Team": "sre"}}
    assert cond(c, **{"aws:principaltag/team": "sre"})
    assert evaluate(Request("s3:GetObject", "*", {"Aws:PrincipalTag/TEAM": ("sre",)}),
                    [pol(allow("s3:GetObject", Condition=c))]).allowed


def test_absent_key_positive_false_negated_true() -> None:
    """reference_policies_elements_condition_operators.html: an absent key makes a condition false, except
    when the operator requires the key not to match (StringNotLike, ArnNotLike...), where it is true."""
    assert not cond({"StringLike": {"aws:userid": "AIDA*"}})
    assert cond({"StringNotLike": {"aws:userid": "AIDA*"}})
    assert cond({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})
    assert cond({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert not cond({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert not cond({"NumericLessThan": {"s3:max-keys": "10"}})


def test_numeric_operators() -> None:
    """reference_policies_elements_condition_operators.html (numeric): s3:max-keys <= 10."""
    c = {"NumericLessThanEquals": {"s3:max-keys": "10"}}
    assert cond(c, **{"s3:max-keys": "10"})
    assert cond(c, **{"s3:max-keys": "2"})
    assert not cond(c, **{"s3:max-keys": "11"})
    assert not cond(c, **{"s3:max-keys": "ten"})
    assert cond({"NumericEquals": {"k": 1.5}}, k="1.50")
    assert cond({"NumericGreaterThan": {"k": "3"}}, k="3.1")
    assert not cond({"NumericGreaterThanEquals": {"k": "3"}}, k="2.99")
    assert cond({"NumericNotEquals": {"k": ["1", "2"]}}, k="3")
    assert not cond({"NumericNotEquals": {"k": ["1", "2"]}}, k="2")


def test_date_operators() -> None:
    """reference_policies_elements_condition_operators.html (date): aws:TokenIssueTime after a date; dates
    in ISO 8601 or epoch seconds."""
    c = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
    assert cond(c, **{"aws:TokenIssueTime": "2024-05-01T10:00:00Z"})
    assert not cond(c, **{"aws:TokenIssueTime": "2019-12-31T23:59:59Z"})
    assert cond(c, **{"aws:TokenIssueTime": "1700000000"})  # epoch seconds (2023)
    assert cond({"DateLessThan": {"aws:CurrentTime": "2030-06-30"}}, **{"aws:CurrentTime": "2030-06-29T23:00:00Z"})
    assert cond({"DateEquals": {"aws:CurrentTime": "2030-06-30T00:00:00+00:00"}},
                **{"aws:CurrentTime": "2030-06-30T02:00:00+02:00"})
    assert cond({"DateNotEquals": {"aws:CurrentTime": "2030-06-30"}}, **{"aws:CurrentTime": "2030-07-01"})


def test_bool_operator() -> None:
    """reference_policies_elements_condition_operators.html (boolean): aws:SecureTransport true."""
    c = {"Bool": {"aws:SecureTransport": "true"}}
    assert cond(c, **{"aws:SecureTransport": "true"})
    assert cond(c, **{"aws:SecureTransport": "True"})
    assert not cond(c, **{"aws:SecureTransport": "false"})
    assert not cond(c)
    assert cond({"Bool": {"aws:SecureTransport": True}}, **{"aws:SecureTransport": "true"})  # JSON boolean


def test_binary_equals() -> None:
    """reference_policies_elements_condition_operators.html (binary): base64-encoded values compared."""
    c = {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}
    assert cond(c, key="QmluYXJ5VmFsdWVJbkJhc2U2NA==")
    assert not cond(c, key="QmluYXJ5")
    assert not cond(c, key="not base64!")


def test_ip_address_operators() -> None:
    """reference_policies_elements_condition_operators.html (IP address): IPv4 and IPv6 CIDR blocks."""
    c = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}
    assert cond(c, **{"aws:SourceIp": "203.0.113.7"})
    assert cond(c, **{"aws:SourceIp": "2001:db8:1234:5678::1"})
    assert not cond(c, **{"aws:SourceIp": "198.51.100.1"})
    assert cond({"IpAddress": {"aws:SourceIp": "198.51.100.1"}}, **{"aws:SourceIp": "198.51.100.1"})  # one IP
    n = {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    assert cond(n, **{"aws:SourceIp": "198.51.100.1"})
    assert not cond(n, **{"aws:SourceIp": "203.0.113.9"})


def test_arn_operators() -> None:
    """reference_policies_elements_condition_operators.html (ARN): each of the six colon-delimited parts is
    matched separately, case-sensitively, with wildcards."""
    c = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic*"}}
    assert cond(c, **{"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:topic-a"})
    assert not cond(c, **{"aws:SourceArn": "arn:aws:sns:us-east-2:999999999999:topic-a"})
    assert not cond(c, **{"aws:SourceArn": "arn:aws:sns:us:east:123456789012:topic"})  # * stays in its part
    assert cond({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin"}},
                **{"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin"})
    assert not cond({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin"}},
                    **{"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin"})
    assert cond({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}},
                **{"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Dev"})
    # The resource part keeps its colons.
    assert cond({"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:log-group:app:*"}},
                **{"aws:SourceArn": "arn:aws:logs:eu-west-1:1:log-group:app:log-stream:x"})


def test_if_exists() -> None:
    """reference_policies_elements_condition_operators.html (...IfExists): StringLikeIfExists ec2:InstanceType
    ["t1.*", "t2.*", "m3.*"] is true when the key is absent or matches."""
    c = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}
    assert cond(c)
    assert cond(c, **{"ec2:InstanceType": "t2.micro"})
    assert not cond(c, **{"ec2:InstanceType": "m5.large"})
    assert cond({"StringNotEqualsIfExists": {"k": "a"}})
    assert not cond({"StringNotEqualsIfExists": {"k": "a"}}, k="a")


def test_null_operator() -> None:
    """reference_policies_elements_condition_operators.html (Null): "true" when the key is absent,
    "false" when present."""
    assert cond({"Null": {"aws:TokenIssueTime": "true"}})
    assert not cond({"Null": {"aws:TokenIssueTime": "true"}}, **{"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})
    assert cond({"Null": {"aws:TokenIssueTime": "false"}}, **{"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})
    assert cond({"Null": {"aws:TokenIssueTime": False}}, **{"aws:TokenIssueTime": "x"})


# --------------------------------------------------------------- reference_policies_multi-value-conditions

def test_multiple_values_or_keys_and_operators_and() -> None:
    """reference_policies_multi-value-conditions.html: values OR; keys under an operator AND; operators AND."""
    c = {"StringEquals": {"aws:PrincipalTag/team": ["sre", "dev"], "aws:RequestedRegion": "eu-west-1"},
         "Bool": {"aws:SecureTransport": "true"}}
    ok = {"aws:PrincipalTag/team": "dev", "aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": "true"}
    assert cond(c, **ok)
    assert not cond(c, **{**ok, "aws:RequestedRegion": "us-east-1"})
    assert not cond(c, **{**ok, "aws:SecureTransport": "false"})
    assert not cond(c, **{**ok, "aws:PrincipalTag/team": "ops"})


def test_negated_operator_with_several_values_is_nor() -> None:
    """reference_policies_multi-value-conditions.html (negated matching): StringNotEquals with several values
    is true only when the key equals none of them."""
    c = {"StringNotEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}
    assert not cond(c, **{"aws:PrincipalTag/role": "audit"})
    assert not cond(c, **{"aws:PrincipalTag/role": "security"})
    assert cond(c, **{"aws:PrincipalTag/role": "dev"})
    assert cond(c)  # absent: negated operator -> true


# ------------------------------------------------ reference_policies_condition-single-vs-multi-valued-context-keys

def test_for_all_values() -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues:StringEquals
    aws:TagKeys [environment, cost-center]: every request tag key must be listed; an absent key is true."""
    c = {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
    assert cond(c, **{"aws:TagKeys": ("environment",)})
    assert cond(c, **{"aws:TagKeys": ("environment", "cost-center")})
    assert not cond(c, **{"aws:TagKeys": ("environment", "owner")})
    assert cond(c)  # absent -> true (the page recommends a Null check for that reason)
    assert cond(c, **{"aws:TagKeys": ()})  # empty -> true


def test_for_any_value() -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAnyValue:StringEquals is true
    when at least one request value matches; an absent key is false."""
    c = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
    assert cond(c, **{"aws:TagKeys": ("environment", "owner")})
    assert not cond(c, **{"aws:TagKeys": ("owner",)})
    assert not cond(c)


def test_set_qualifiers_with_negated_operators() -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues:StringNotLike /
    ForAnyValue:StringNotEquals apply the negated test to each request value."""
    c = {"ForAllValues:StringNotLike": {"aws:TagKeys": "aws:*"}}
    assert cond(c, **{"aws:TagKeys": ("team", "env")})
    assert not cond(c, **{"aws:TagKeys": ("team", "aws:x")})
    d = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team", "env"]}}
    assert cond(d, **{"aws:TagKeys": ("team", "owner")})
    assert not cond(d, **{"aws:TagKeys": ("team",)})
    assert not cond(d)


def test_deny_unlisted_tag_keys_example() -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: deny tagging with keys other
    than the allowed ones, and deny tagging with no tags at all via Null."""
    p = pol(allow("ec2:CreateTags"),
            {"Sid": "OnlyAllowedKeys", **deny("ec2:CreateTags",
                                              Condition={"ForAnyValue:StringNotEquals":
                                                         {"aws:TagKeys": ["environment", "cost-center"]}})},
            {"Sid": "RequireTags", **deny("ec2:CreateTags", Condition={"Null": {"aws:TagKeys": "true"}})})
    assert decide(p, "ec2:CreateTags", **{"aws:TagKeys": ("environment",)}) == "allowed"
    d = evaluate(Request("ec2:CreateTags", "*", {"aws:TagKeys": ("environment", "owner")}), [p])
    assert d.decision == "explicitDeny" and [m.statement for m in d.matched] == ["OnlyAllowedKeys"]
    d = evaluate(Request("ec2:CreateTags"), [p])
    assert d.decision == "explicitDeny" and [m.statement for m in d.matched] == ["RequireTags"]


def test_multivalued_key_without_qualifier_matches_any_value() -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: a multivalued key needs a set
    operator; without one we treat several request values as "any matches" (negated: none matches)."""
    assert cond({"StringEquals": {"k": "a"}}, k=("b", "a"))
    assert not cond({"StringNotEquals": {"k": "a"}}, k=("b", "a"))


# ------------------------------------------------------------------------------------------- validation

@pytest.mark.parametrize(("document", "message"), [
    ({"Version": "2012-10-17"}, "no Statement"),
    ({"Version": "2019-01-01", "Statement": []}, "not an IAM policy version"),
    ({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, "Effect is 'allow'"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]}, "exactly one"),
    ({"Statement": [{"Effect": "Allow", "Action": "*"}]}, "Resource or NotResource"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}]}, "service:Action"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                     "Condition": {"StringEqualz": {"k": "v"}}}]}, "unknown condition operator"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                     "Condition": {"IpAddress": {"aws:SourceIp": "300.1.1.1"}}}]}, "not an IP address"),
    ({"Statement": "nope"}, "object or a list"),
])
def test_invalid_policies_fail_with_one_clear_line(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        compile_policy(document, name="bad.json")
    assert message in info.value.one_line()
    assert info.value.one_line().startswith("bad.json")
    assert "\n" not in info.value.one_line()


def test_load_policy_text_reports_json_position() -> None:
    with pytest.raises(ValidationError, match=r"invalid JSON: .* line 1 column"):
        load_policy_text("{not json", name="p.json")


def test_context_from_session() -> None:
    ctx = context_from_session(tags={"Team": "sre"}, source_identity="alice", username="alice",
                               userid="AIDAEXAMPLE", mfa_present=True, extra={"aws:SourceIp": "1.2.3.4"})
    assert ctx["aws:principaltag/team"] == ("sre",)
    assert ctx["aws:sourceidentity"] == ("alice",)
    assert ctx["aws:username"] == ("alice",) and ctx["aws:userid"] == ("AIDAEXAMPLE",)
    assert ctx["aws:multifactorauthpresent"] == ("true",)
    assert ctx["aws:sourceip"] == ("1.2.3.4",)
    p = pol(allow("sts:SetSourceIdentity", Condition={"StringEquals": {"aws:SourceIdentity": "${aws:username}"}}))
    assert evaluate(Request("sts:SetSourceIdentity", "*", ctx), [p]).allowed


def test_evaluator_imports_no_boto() -> None:
    """The evaluator is pure: importing it loads neither boto3 nor botocore."""
    code = ("import sys, roleswitch.core.policy.evaluator; "
            "print(any(m.split('.')[0] in ('boto3', 'botocore', 'textual', 'rich') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_session_context_session_tags_override_role_tags() -> None:
    """id_session-tags.html: a session tag with the same key as a role tag overrides it in aws:PrincipalTag."""
    from datetime import UTC, datetime

    from roleswitch.core.model import Credentials, Session
    from roleswitch.core.policy import session_context

    session = Session(profile="dev", credentials=Credentials("ASIAEXAMPLE", "s", "t", datetime(2030, 1, 1, tzinfo=UTC)),
                      role_arn="arn:aws:iam::111122223333:role/Dev", account_id="111122223333",
                      source_identity="alice", tags=(("team", "web"), ("cost", "42")))
    ctx = session_context(session, role_tags={"team": "sre", "env": "prod"}, extra={"aws:SourceIp": "1.2.3.4"})
    assert ctx["aws:principaltag/team"] == ("web",)
    assert ctx["aws:principaltag/env"] == ("prod",) and ctx["aws:principaltag/cost"] == ("42",)
    assert ctx["aws:sourceidentity"] == ("alice",)
    assert ctx["aws:principalarn"] == ("arn:aws:iam::111122223333:role/Dev",)
    assert ctx["aws:sourceip"] == ("1.2.3.4",)


def test_load_policy_text_accepts_aws_cli_outputs() -> None:
    """What `aws iam get-role-policy` and `aws iam get-policy-version` print holds the document inside."""
    inner = {"Version": V12, "Statement": {"Sid": "S", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    import json
    from urllib.parse import quote

    for wrapped in ({"RoleName": "R", "PolicyName": "p", "PolicyDocument": inner},
                    {"PolicyVersion": {"Document": inner, "VersionId": "v1", "IsDefaultVersion": True}},
                    {"PolicyVersion": {"Document": quote(json.dumps(inner))}}):
        policy = load_policy_text(json.dumps(wrapped), name="p.json")
        assert policy.document == inner
        assert evaluate(Request("s3:GetObject"), [policy]).allowed
