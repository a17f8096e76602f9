"""Every STS limit validator: valid edges pass, invalid values fail with a message naming the limit."""

from __future__ import annotations

import pytest

from roleswitch.core import limits
from roleswitch.core.errors import ValidationError


def _msg(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc.value.one_line()


# ---------------------------------------------------------------- duration

@pytest.mark.parametrize("seconds", [900, 3600, 43200])
def test_duration_accepts_the_sts_range(seconds: int) -> None:
    assert limits.validate_duration(seconds) == seconds


@pytest.mark.parametrize("seconds", [899, 43201, 0, -5])
def test_duration_outside_range_names_the_limit(seconds: int) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_duration(seconds, where="prod: duration")
    assert "900..43200 s" in _msg(exc)
    assert _msg(exc).startswith("prod: duration:")


def test_duration_rejects_non_integers() -> None:
    with pytest.raises(ValidationError, match="whole number"):
        limits.validate_duration("3600")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="whole number"):
        limits.validate_duration(True)  # type: ignore[arg-type]


def test_chained_duration_capped_at_one_hour_and_explained() -> None:
    assert limits.validate_duration(3600, chained=True) == 3600
    with pytest.raises(ValidationError) as exc:
        limits.validate_duration(3601, chained=True)
    text = _msg(exc)
    assert "3600 s (1 hour) limit for chained role sessions" in text
    assert "another role" in text


def test_duration_above_max_session_duration_names_it() -> None:
    assert limits.validate_duration(7200, max_session=7200) == 7200
    with pytest.raises(ValidationError) as exc:
        limits.validate_duration(7201, max_session=7200)
    assert "MaxSessionDuration of 7200 s" in _msg(exc)


def test_user_session_duration_allows_36_hours() -> None:
    assert limits.validate_duration(129600, maximum=limits.MAX_USER_SESSION_DURATION) == 129600
    with pytest.raises(ValidationError, match="900..129600 s"):
        limits.validate_duration(129601, maximum=limits.MAX_USER_SESSION_DURATION)


# ---------------------------------------------------------------- session name / source identity

@pytest.mark.parametrize("name", ["ab", "alice@laptop", "a" * 64, "x+=,.@-_9"])
def test_session_name_valid(name: str) -> None:
    assert limits.validate_session_name(name) == name


@pytest.mark.parametrize("name,needle", [
    ("a", "1 characters; STS allows 2..64"),
    ("a" * 65, "65 characters; STS allows 2..64"),
    ("alice smith", "allowed: letters, digits and _+=,.@-"),
    ("alice/laptop", "allowed: letters, digits and _+=,.@-"),
    ("élodie", "allowed: letters, digits and _+=,.@-"),  # AWS's \w is ASCII
])
def test_session_name_invalid_names_the_limit(name: str, needle: str) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_session_name(name)
    assert needle in _msg(exc)
    assert "RoleSessionName" in _msg(exc)


def test_source_identity_same_rules() -> None:
    assert limits.validate_source_identity("alice@example.com") == "alice@example.com"
    with pytest.raises(ValidationError, match="SourceIdentity is 65 characters; STS allows 2..64"):
        limits.validate_source_identity("a" * 65)
    with pytest.raises(ValidationError, match="SourceIdentity 'aws:me' has characters"):
        limits.validate_source_identity("aws:me")


def test_federation_name_is_2_to_32() -> None:
    assert limits.validate_federation_name("proxy-user") == "proxy-user"
    with pytest.raises(ValidationError, match="2..32"):
        limits.validate_federation_name("a" * 33)


# ---------------------------------------------------------------- external id

def test_external_id_valid_edges() -> None:
    assert limits.validate_external_id("ab") == "ab"
    assert limits.validate_external_id("x" * 1224) == "x" * 1224
    assert limits.validate_external_id("urn:partner/acme:42") == "urn:partner/acme:42"


@pytest.mark.parametrize("value,needle", [
    ("a", "ExternalId is 1 characters; STS allows 2..1224"),
    ("x" * 1225, "ExternalId is 1225 characters; STS allows 2..1224"),
    ("has space s3cr3t", "allowed: letters, digits and _+=,.@:/-"),
])
def test_external_id_invalid_never_echoes_the_value(value: str, needle: str) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_external_id(value)
    assert needle in _msg(exc)
    assert "s3cr3t" not in _msg(exc)


# ---------------------------------------------------------------- MFA

def test_mfa_code_exactly_six_digits() -> None:
    assert limits.validate_mfa_code("123456") == "123456"
    assert limits.validate_mfa_code(" 123456\n") == "123456"


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "", "１２３４５６"])
def test_mfa_code_invalid(code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_mfa_code(code)
    assert "exactly 6 digits" in _msg(exc)
    if code.strip():
        assert code.strip() not in _msg(exc)


@pytest.mark.parametrize("serial", ["arn:aws:iam::123456789012:mfa/alice", "GAHT12345678",
                                    "arn:aws-us-gov:iam::123456789012:mfa/path/bob"])
def test_mfa_serial_valid(serial: str) -> None:
    assert limits.validate_mfa_serial(serial) == serial


@pytest.mark.parametrize("serial,needle", [
    ("arn:aws:iam::12345:mfa/alice", "not an MFA device ARN"),
    ("arn:aws:iam::123456789012:user/alice", "not an MFA device ARN"),
    ("short", "9..256 characters"),
    ("hardware serial", "characters STS rejects"),
])
def test_mfa_serial_invalid(serial: str, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        limits.validate_mfa_serial(serial)


# ---------------------------------------------------------------- ARNs and policies

@pytest.mark.parametrize("arn", ["arn:aws:iam::123456789012:role/Admin",
                                 "arn:aws:iam::123456789012:role/service-role/path/Deploy+Bot",
                                 "arn:aws-cn:iam::123456789012:role/x"])
def test_role_arn_valid(arn: str) -> None:
    assert limits.validate_role_arn(arn) == arn


@pytest.mark.parametrize("arn", ["arn:aws:iam::12345678901:role/Admin", "arn:aws:iam::123456789012:user/Admin",
                                 "arn:aws:sts::123456789012:role/Admin", "Admin",
                                 "arn:aws:iam::123456789012:role/" + "x" * 65,
                                 "arn:aws:iam::123456789012:role/"])
def test_role_arn_invalid(arn: str) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_role_arn(arn)
    assert "expected arn:aws:iam::<12-digit account>:role/[path/]<name>" in _msg(exc)


def test_policy_arns_at_most_ten_and_well_formed() -> None:
    good = [f"arn:aws:iam::aws:policy/P{i}" for i in range(10)]
    assert limits.validate_policy_arns(good) == tuple(good)
    with pytest.raises(ValidationError, match="11 policy ARNs given; STS allows at most 10"):
        limits.validate_policy_arns([*good, "arn:aws:iam::aws:policy/X"])
    with pytest.raises(ValidationError, match="not well formed"):
        limits.validate_policy_arns(["arn:aws:iam::aws:role/ReadOnly"])


def test_policy_minified_and_at_most_2048() -> None:
    doc = '{\n  "Version": "2012-10-17",\n  "Statement": []\n}'
    assert limits.normalise_policy(doc) == '{"Version":"2012-10-17","Statement":[]}'
    big = '{"Statement": [' + ",".join(['{"Effect":"Deny","Action":"s3:GetObject"}'] * 60) + "]}"
    with pytest.raises(ValidationError, match="STS allows at most 2048"):
        limits.normalise_policy(big)
    with pytest.raises(ValidationError, match="not valid JSON"):
        limits.normalise_policy("{nope")
    with pytest.raises(ValidationError, match="JSON object"):
        limits.normalise_policy("[]")


def test_principal_arn() -> None:
    assert limits.validate_principal_arn("arn:aws:iam::123456789012:saml-provider/Okta")
    with pytest.raises(ValidationError, match="SAML provider ARN .* is not well formed"):
        limits.validate_principal_arn("arn:aws:iam::123456789012:role/Okta")


# ---------------------------------------------------------------- tags

def test_tags_valid_including_unicode_and_empty_value() -> None:
    limits.validate_tags([("team", "sre"), ("Projekt", "Überwachung 2"), ("cost:centre", ""),
                          ("k/=+-@_.", "v/=+-@_.:")], ["team"])


def test_tags_at_most_fifty() -> None:
    limits.validate_tags([(f"k{i}", "v") for i in range(50)])
    with pytest.raises(ValidationError, match="51 session tags; STS allows at most 50"):
        limits.validate_tags([(f"k{i}", "v") for i in range(51)])


@pytest.mark.parametrize("tags,needle", [
    ([("", "v")], "tag key is 0 characters; allowed 1..128"),
    ([("k" * 129, "v")], "tag key is 129 characters; allowed 1..128"),
    ([("k", "v" * 257)], "value is 257 characters; allowed 0..256"),
    ([("team!", "v")], "has characters STS rejects ('!')"),
    ([("team", "a#b")], "value has characters STS rejects ('#')"),
    ([("aws:team", "v")], "reserved aws: prefix"),
    ([("AWS:team", "v")], "reserved aws: prefix"),
    ([("Team", "a"), ("team", "b")], "repeats row 1; keys are unique ignoring case"),
])
def test_tag_problems_name_the_limit(tags: list[tuple[str, str]], needle: str) -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_tags(tags)
    assert needle in _msg(exc)


def test_transitive_keys_must_be_among_tags() -> None:
    limits.validate_tags([("Team", "sre")], ["team"])  # case-insensitive match
    with pytest.raises(ValidationError, match="transitive tag key 'project' is not among the session tags"):
        limits.validate_tags([("team", "sre")], ["project"])


def test_tag_problems_report_rows_for_the_live_view() -> None:
    problems = limits.tag_problems([("ok", "v"), ("aws:x", "v"), ("OK", "w")], ["missing"])
    assert problems == [
        (1, "tag key 'aws:x' uses the reserved aws: prefix"),
        (2, "tag key 'OK' repeats row 1; keys are unique ignoring case"),
        (None, "transitive tag key 'missing' is not among the session tags"),
    ]


def test_validate_tags_points_at_the_row_and_counts_the_rest() -> None:
    with pytest.raises(ValidationError) as exc:
        limits.validate_tags([("ok", "v"), ("aws:x", "v"), ("OK", "w")], where="prod: tags")
    assert exc.value.where == "prod: tags[2]"
    assert exc.value.hint == "1 more problem(s)"


def test_sanitise_tag_value_keeps_allowed_text() -> None:
    assert limits.sanitise_tag_value("INC-42: fix, #db\nnow") == "INC-42: fix db now"
    assert len(limits.sanitise_tag_value("x" * 300)) == 256


# ---------------------------------------------------------------- defaults that name the human

def test_default_session_name_is_user_at_host() -> None:
    assert limits.default_session_name("alice", "laptop") == "alice@laptop"


def test_default_session_name_sanitised_and_truncated() -> None:
    name = limits.default_session_name("Jöhn Smith", "my host (1)")
    assert name == "John-Smith@my-host--1"
    limits.validate_session_name(name)
    long = limits.default_session_name("u" * 80, "h")
    assert len(long) == 64
    limits.validate_session_name(long)


def test_default_session_name_of_local_user_is_valid() -> None:
    name = limits.default_session_name()
    assert limits.validate_session_name(name) == name
    assert name.startswith(limits.sanitise_session_name(limits.local_user()))


def test_sanitise_session_name_never_too_short() -> None:
    assert limits.sanitise_session_name("") == "roleswitch"
    assert len(limits.sanitise_session_name("a")) == 2
