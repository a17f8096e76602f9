"""Properties of the evaluator that must hold for every policy (hypothesis).

From "Policy evaluation logic" (IAM User Guide): an explicit Deny can only take access away; a
permissions boundary and a session policy can only narrow what the identity policies allow. Plus the
logical identities the Condition operators page implies (negation, set-qualifier duality).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleswitch.core.policy import NamedPolicy, Request, evaluate

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:CreateUser", "ec2:RunInstances",
           "sts:AssumeRole"]
ACTION_PATTERNS = ACTIONS + ["*", "s3:*", "s3:Get*", "S3:get?bject", "iam:*User", "ec2:*", "*:*"]
RESOURCES = ["*", "arn:aws:s3:::b/k", "arn:aws:s3:::b/home/bob/x", "arn:aws:s3:::other/k",
             "arn:aws:iam::111122223333:user/bob", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"]
RESOURCE_PATTERNS = RESOURCES + ["arn:aws:s3:::b/*", "arn:aws:s3:::*", "arn:aws:s3:::b/home/${aws:username}/*",
                                 "arn:aws:iam::*:user/*", "arn:aws:ec2:*", "arn:aws:s3:::${aws:PrincipalTag/team}/*"]
CONTEXT_KEYS = {
    "aws:username": st.sampled_from(["bob", "alice"]),
    "aws:PrincipalTag/team": st.sampled_from(["b", "other", "sre"]),
    "aws:SecureTransport": st.sampled_from(["true", "false"]),
    "aws:SourceIp": st.sampled_from(["203.0.113.7", "198.51.100.1", "2001:db8::1"]),
    "s3:max-keys": st.sampled_from(["1", "10", "100"]),
}
TAG_KEYS = st.lists(st.sampled_from(["team", "env", "owner"]), max_size=3, unique=True).map(tuple)

CONDITIONS = st.sampled_from([
    {"StringEquals": {"aws:PrincipalTag/team": ["b", "sre"]}},
    {"StringNotEquals": {"aws:username": "bob"}},
    {"StringLike": {"aws:username": "a*"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"BoolIfExists": {"aws:SecureTransport": "false"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
    {"NumericLessThanEquals": {"s3:max-keys": "10"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": "owner"}},
    {"Null": {"aws:PrincipalTag/team": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
])


def one_or_list(values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = \
        draw(one_or_list(st.sampled_from(ACTION_PATTERNS)))
    statement["NotResource" if draw(st.integers(0, 4)) == 0 else "Resource"] = \
        draw(one_or_list(st.sampled_from(RESOURCE_PATTERNS)))
    if draw(st.booleans()):
        statement["Condition"] = draw(CONDITIONS)
    return statement


@st.composite
def policies(draw: st.DrawFn, name: str, effect: str | None = None) -> NamedPolicy:
    document: dict[str, Any] = {"Statement": draw(st.lists(statements(effect), min_size=1, max_size=4))}
    if draw(st.integers(0, 5)):
        document["Version"] = "2012-10-17"
    return NamedPolicy(name, document)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    context: dict[str, Any] = {}
    for key, values in CONTEXT_KEYS.items():
        if draw(st.booleans()):
            context[key] = draw(values)
    if draw(st.booleans()):
        context["aws:TagKeys"] = draw(TAG_KEYS)
    return Request(draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)), context)


IDENTITY = st.lists(policies("identity"), min_size=0, max_size=3)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests(), IDENTITY, policies("extra-deny", effect="Deny"))
def test_adding_an_explicit_deny_never_grants(request: Request, identity: list[NamedPolicy],
                                              extra: NamedPolicy) -> None:
    before = evaluate(request, identity)
    after = evaluate(request, [*identity, extra])
    if after.allowed:
        assert before.allowed
    if before.decision == "explicitDeny":
        assert after.decision == "explicitDeny"


@SETTINGS
@given(requests(), IDENTITY, policies("boundary"))
def test_a_boundary_never_widens(request: Request, identity: list[NamedPolicy], boundary: NamedPolicy) -> None:
    bounded = evaluate(request, identity, boundary=boundary)
    if bounded.allowed:
        assert evaluate(request, identity).allowed
        assert evaluate(request, [boundary]).allowed  # and the boundary alone allows it too


@SETTINGS
@given(requests(), IDENTITY, st.lists(policies("session"), min_size=1, max_size=2), st.booleans())
def test_a_session_policy_never_widens(request: Request, identity: list[NamedPolicy],
                                       session: list[NamedPolicy], with_boundary: bool) -> None:
    boundary = NamedPolicy("b", {"Version": "2012-10-17",
                                 "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    b = boundary if with_boundary else None
    narrowed = evaluate(request, identity, boundary=b, session_policies=session)
    if narrowed.allowed:
        assert evaluate(request, identity, boundary=b).allowed


@SETTINGS
@given(requests(), IDENTITY)
def test_deny_everything_always_wins(request: Request, identity: list[NamedPolicy]) -> None:
    deny_all = NamedPolicy("DenyAll", {"Statement": {"Sid": "All", "Effect": "Deny", "Action": "*",
                                                     "Resource": "*"}})
    decision = evaluate(request, [*identity, deny_all])
    assert decision.decision == "explicitDeny"
    assert ("DenyAll", "All") in [(m.policy, m.statement) for m in decision.matched]


def _holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    policy = NamedPolicy("c", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}})
    return evaluate(Request("s3:GetObject", "*", context), [policy]).allowed


VALUES = st.lists(st.sampled_from(["a", "b", "c", "A"]), min_size=1, max_size=3)


@SETTINGS
@given(VALUES, st.sampled_from(["a", "b", "c", "A", "d"]))
def test_negated_operator_is_the_negation_when_key_present(policy_values: list[str], value: str) -> None:
    for positive, negated in (("StringEquals", "StringNotEquals"), ("StringLike", "StringNotLike"),
                              ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase")):
        ctx = {"k": value}
        assert _holds({negated: {"k": policy_values}}, ctx) == (not _holds({positive: {"k": policy_values}}, ctx))


@SETTINGS
@given(VALUES, st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=0, max_size=3).map(tuple))
def test_for_all_values_not_equals_is_not_for_any_value_equals(policy_values: list[str],
                                                               request_values: tuple[str, ...]) -> None:
    ctx = {"k": request_values}
    all_not = _holds({"ForAllValues:StringNotEquals": {"k": policy_values}}, ctx)
    any_eq = _holds({"ForAnyValue:StringEquals": {"k": policy_values}}, ctx)
    assert all_not == (not any_eq)


PATTERN_TEXT = st.text(alphabet="ab*?:/", max_size=8)
SUBJECT_TEXT = st.text(alphabet="ab:/*?", max_size=8)


@settings(max_examples=200, deadline=None)
@given(PATTERN_TEXT, SUBJECT_TEXT)
def test_string_like_agrees_with_fnmatch(pattern: str, subject: str) -> None:
    """StringLike's * and ? (reference_policies_elements_condition_operators.html) are shell-style globs."""
    import fnmatch

    assert _holds({"StringLike": {"k": pattern}}, {"k": subject}) == fnmatch.fnmatchcase(subject, pattern)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab*?/", max_size=6), st.text(alphabet="ab/:", max_size=6))
def test_resource_wildcards_stay_in_the_last_segment_or_span(pattern: str, tail: str) -> None:
    """reference_policies_elements_resource.html: in the last ARN segment wildcards behave like globs (the
    resource part may hold colons and a trailing * spans them)."""
    import fnmatch

    prefix = "arn:aws:s3:::"
    policy = NamedPolicy("r", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": prefix + pattern}})
    got = evaluate(Request("s3:GetObject", prefix + tail), [policy]).allowed
    if ":" not in tail:
        assert got == fnmatch.fnmatchcase(tail, pattern)  # no colon to cross: plain glob semantics
    if pattern.endswith("*") and "?" not in pattern and pattern.count("*") == 1:
        assert got == tail.startswith(pattern[:-1])  # a segment-ending * spans colons too
    if got:
        assert fnmatch.fnmatchcase(tail, pattern)  # never more permissive than a glob
