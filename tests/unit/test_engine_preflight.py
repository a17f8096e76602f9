"""Engine.preflight and friends without any network: every limit is enforced before a call is made.

The boto session factory here raises if it is ever called, which proves preflight makes no call.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from roleswitch.core import cache as cachemod
from roleswitch.core.audit import AuditLog
from roleswitch.core.cache import CredentialCache
from roleswitch.core.engine import REASON_TAG, AssumeOptions, Engine, describe_plan
from roleswitch.core.errors import ConfigError, NotFoundError, ValidationError
from roleswitch.core.limits import default_session_name
from roleswitch.core.model import AwsProfile, Credentials, ProfileKind, Role, Session, StsApi

ACCOUNT = "123456789012"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
EXTERNAL_ID = "ext-s3cr3t-4711"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class FakeCatalogue:
    """Stand-in for core.catalogue.Catalogue (same .get/.profiles/.settings surface)."""

    def __init__(self, roles: list[Role], profiles: list[AwsProfile], settings: Any = None) -> None:
        self.roles = {r.name: r for r in roles}
        self.profiles = {p.name: p for p in profiles}
        self.settings = settings

    def get(self, name: str) -> Role:
        if name not in self.roles:
            raise NotFoundError(f"no profile or role named {name!r}")
        return self.roles[name]


def no_network(**_: Any) -> Any:
    raise AssertionError("preflight must not create a boto3 session")


ALICE = AwsProfile("alice", ProfileKind.STATIC, {"aws_access_key_id": "AKIAALICE000EXAMPLE1",
                                                 "aws_secret_access_key": "alice-secret"})


def role(name: str, source: str = "alice", **kw: Any) -> Role:
    return Role(name=name, origin="roleswitch", kind=ProfileKind.ROLE,
                role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name.title()}", source_profile=source, **kw)


def engine_for(tmp_path: Any, *roles: Role, settings: Any = None, profiles: tuple[AwsProfile, ...] = (ALICE,),
               ) -> Engine:
    alice = Role(name="alice", origin="aws", kind=ProfileKind.STATIC)
    return Engine(FakeCatalogue([alice, *roles], list(profiles), settings),
                  CredentialCache(str(tmp_path / "cache"), now=lambda: NOW), now=lambda: NOW,
                  boto_session_factory=no_network, audit=AuditLog(str(tmp_path / "audit.jsonl")))


def test_plan_of_a_plain_role(tmp_path: Any) -> None:
    plan = engine_for(tmp_path, role("dev")).preflight("dev")
    assert plan.api is StsApi.ASSUME_ROLE and not plan.chained and plan.source == "alice"
    assert plan.region == "us-east-1"
    assert plan.request is not None
    assert plan.request.to_params() == {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/Dev",
                                        "RoleSessionName": default_session_name()}


def test_unknown_role_is_not_found(tmp_path: Any) -> None:
    with pytest.raises(NotFoundError):
        engine_for(tmp_path).preflight("nope")


@pytest.mark.parametrize("options,needle,where", [
    (AssumeOptions(duration_seconds=600), "900..43200 s", "dev: duration"),
    (AssumeOptions(session_name="has space"), "RoleSessionName", "dev: session_name"),
    (AssumeOptions(source_identity="x"), "SourceIdentity is 1 characters", "dev: source_identity"),
    (AssumeOptions(external_id="x"), "ExternalId is 1 characters", "dev: external_id"),
    (AssumeOptions(tags=(("aws:x", "y"),)), "reserved aws: prefix", "dev: tags[1]"),
    (AssumeOptions(tags=(("a", "b"),), transitive_tag_keys=("c",)), "not among the session tags", "dev: tags"),
    (AssumeOptions(policy_json="{bad"), "not valid JSON", "dev: policy"),
    (AssumeOptions(policy_arns=tuple(f"arn:aws:iam::aws:policy/P{i}" for i in range(11))), "at most 10",
     "dev: policy_arns"),
    (AssumeOptions(mfa_code="12345"), "exactly 6 digits", "dev: MFA code"),
])
def test_preflight_rejects_each_limit_with_where(tmp_path: Any, options: AssumeOptions, needle: str,
                                                 where: str) -> None:
    with pytest.raises(ValidationError) as exc:
        engine_for(tmp_path, role("dev")).preflight("dev", options)
    assert needle in exc.value.one_line()
    assert exc.value.where == where


def test_preflight_rejects_bad_role_config(tmp_path: Any) -> None:
    bad_arn = Role(name="bad", origin="roleswitch", kind=ProfileKind.ROLE, role_arn="arn:aws:iam::1:role/x",
                   source_profile="alice")
    with pytest.raises(ValidationError, match="role ARN .* is not well formed"):
        engine_for(tmp_path, bad_arn).preflight("bad")
    with pytest.raises(ValidationError, match="mfa_serial"):
        engine_for(tmp_path, role("dev", mfa_serial="arn:aws:iam::1:mfa/x")).preflight("dev")
    with pytest.raises(ValidationError, match="duration 50000 s"):
        engine_for(tmp_path, role("dev", duration_seconds=50000)).preflight("dev")


def test_chained_role_plan_and_one_hour_cap(tmp_path: Any) -> None:
    engine = engine_for(tmp_path, role("dev"), role("deploy", source="dev"))
    plan = engine.preflight("deploy", AssumeOptions(duration_seconds=3600))
    assert plan.chained and plan.source == "dev"
    with pytest.raises(ValidationError) as exc:
        engine.preflight("deploy", AssumeOptions(duration_seconds=3601))
    assert "3600 s (1 hour) limit for chained role sessions" in exc.value.one_line()
    assert "AWS caps role chaining at 1 hour" in exc.value.one_line()


def test_sso_source_counts_as_chained(tmp_path: Any) -> None:
    sso = AwsProfile("sso", ProfileKind.SSO, {"sso_session": "corp", "sso_role_name": "Dev"})
    engine = engine_for(tmp_path, Role(name="sso", origin="aws", kind=ProfileKind.SSO), role("dev", source="sso"),
                        profiles=(ALICE, sso))
    assert engine.preflight("dev").chained
    with pytest.raises(ValidationError, match="chained"):
        engine.preflight("dev", AssumeOptions(duration_seconds=7200))


def test_settings_defaults_apply(tmp_path: Any) -> None:
    settings = SimpleNamespace(defaults=SimpleNamespace(
        region="eu-west-1", duration_seconds=7200, session_name="{user}-via-{profile}", source_identity=True))
    engine = engine_for(tmp_path, role("dev"), role("deploy", source="dev"), settings=settings)
    plan = engine.preflight("dev")
    assert plan.region == "eu-west-1" and plan.duration_seconds == 7200 and not plan.duration_explicit
    assert plan.request is not None and plan.request.session_name.endswith("-via-dev")
    assert plan.request.source_identity == default_session_name()
    assert engine.preflight("deploy").duration_seconds == 3600  # default clamped for the chain
    assert engine.preflight("dev", AssumeOptions(region="ap-south-1")).region == "ap-south-1"


def test_bad_session_name_template_is_a_config_error(tmp_path: Any) -> None:
    settings = SimpleNamespace(defaults=SimpleNamespace(session_name="{nope}"))
    with pytest.raises(ConfigError, match="session_name template"):
        engine_for(tmp_path, role("dev"), settings=settings).preflight("dev")


def test_role_and_option_tags_merge_ignoring_case(tmp_path: Any) -> None:
    dev = role("dev", session_tags=(("Team", "sre"), ("env", "prod")), transitive_tag_keys=("Team",))
    plan = engine_for(tmp_path, dev).preflight("dev", AssumeOptions(tags=(("team", "platform"),)))
    assert plan.request is not None
    assert plan.request.tags == (("team", "platform"), ("env", "prod"))
    assert plan.request.transitive_tag_keys == ("Team",)


def test_reason_required(tmp_path: Any) -> None:
    engine = engine_for(tmp_path, role("prod", reason_required=True))
    with pytest.raises(ValidationError) as exc:
        engine.preflight("prod", AssumeOptions(reason="   "))
    assert "requires a reason" in exc.value.one_line() and "--reason" in exc.value.one_line()
    plan = engine.preflight("prod", AssumeOptions(reason="CHG-7 rotate keys"))
    assert plan.reason == "CHG-7 rotate keys"
    assert plan.request is not None and plan.request.tags == ((REASON_TAG, "CHG-7 rotate keys"),)


def test_policy_file_is_read_and_minified(tmp_path: Any) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}, indent=4))
    plan = engine_for(tmp_path, role("dev", policy_file=str(path))).preflight("dev")
    assert plan.request is not None and plan.request.policy == '{"Version":"2012-10-17","Statement":[]}'
    with pytest.raises(ConfigError, match="cannot read session policy file"):
        engine_for(tmp_path, role("dev", policy_file=str(tmp_path / "missing.json"))).preflight("dev")


def test_static_and_mfa_only_profiles(tmp_path: Any) -> None:
    mfa_user = AwsProfile("bob", ProfileKind.STATIC, {"aws_access_key_id": "AKIABOB0000EXAMPLE12",
                                                      "aws_secret_access_key": "s", "mfa_serial": SERIAL})
    bob = Role(name="bob", origin="aws", kind=ProfileKind.STATIC, mfa_serial=SERIAL)
    engine = engine_for(tmp_path, bob, profiles=(ALICE, mfa_user))
    assert engine.preflight("alice").api is StsApi.STATIC
    plan = engine.preflight("bob")
    assert plan.api is StsApi.GET_SESSION_TOKEN and plan.duration_seconds == 43200
    with pytest.raises(ValidationError, match="apply only to roles"):
        engine.preflight("alice", AssumeOptions(tags=(("a", "b"),)))
    with pytest.raises(ValidationError, match="900..129600"):
        engine.preflight("bob", AssumeOptions(duration_seconds=200000))


def test_web_identity_plan_refuses_caller_tags(tmp_path: Any) -> None:
    web = Role(name="ci", origin="aws", kind=ProfileKind.WEB_IDENTITY, role_arn=f"arn:aws:iam::{ACCOUNT}:role/Ci",
               web_identity_token_file="/tmp/token")
    engine = engine_for(tmp_path, web)
    assert engine.preflight("ci").api is StsApi.ASSUME_ROLE_WITH_WEB_IDENTITY
    with pytest.raises(ValidationError, match="AssumeRoleWithWebIdentity takes no session tags"):
        engine.preflight("ci", AssumeOptions(tags=(("a", "b"),)))


def test_missing_source_profile_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="source profile 'ghost' does not exist"):
        engine_for(tmp_path, role("dev", source="ghost")).preflight("dev")


def test_needs_mfa_code_follows_cached_sessions(tmp_path: Any) -> None:
    engine = engine_for(tmp_path, role("dev", mfa_serial=SERIAL), role("deploy", source="dev"))
    assert engine.needs_mfa_code("dev") and engine.needs_mfa_code("deploy")
    assert engine.mfa_serial_needed("deploy") == SERIAL  # the serial of the chain's first hop
    assert not engine.needs_mfa_code("alice")
    creds = Credentials("ASIAMFA0000EXAMPLE12", "s", "t", NOW + timedelta(hours=8))
    engine.cache.put(engine.cache.key("mfa:" + SERIAL), Session("mfa:" + SERIAL, creds, StsApi.GET_SESSION_TOKEN),
                     fingerprint=SERIAL)
    assert engine.mfa_session_left(SERIAL) == 8 * 3600
    assert not engine.needs_mfa_code("dev") and not engine.needs_mfa_code("deploy")
    assert engine.mfa_serial_needed("deploy") is None


def test_options_digest_matches_the_fast_path_and_hides_secrets() -> None:
    assert AssumeOptions().digest() == ""
    assert AssumeOptions(mfa_code="123456", use_cache=False).digest() == ""
    options = AssumeOptions(duration_seconds=900, tags=(("a", "b"),), region="eu-west-1",
                            external_id=EXTERNAL_ID, mfa_code="123456")
    assert options.digest() == cachemod.options_digest(duration_seconds=900, tags=(("a", "b"),),
                                                       region="eu-west-1")
    assert EXTERNAL_ID not in repr(options) and "123456" not in repr(options)


def test_describe_plan_is_secret_free(tmp_path: Any) -> None:
    plan = engine_for(tmp_path, role("dev", external_id=EXTERNAL_ID)).preflight("dev")
    summary = describe_plan(plan)
    assert summary["external_id"] == "****"
    assert EXTERNAL_ID not in repr(summary) and EXTERNAL_ID not in repr(plan)


def test_audit_log_records_without_secrets(tmp_path: Any) -> None:
    path = tmp_path / "data" / "audit.jsonl"
    log = AuditLog(str(path), now=lambda: NOW, user="alice", host="box")
    log.record(profile="prod", api="AssumeRole", outcome="ok", role_arn="arn:aws:iam::1:role/x",
               session_name="alice@box", tags=[("Reason", "CHG-1")], reason="CHG-1\nrotate")
    log.record(profile="prod", api="AssumeRole", outcome="error", error_code="AccessDenied", error="denied")
    assert path.stat().st_mode & 0o777 == 0o600
    entries = log.entries()
    assert [e.outcome for e in entries] == ["ok", "error"]
    assert entries[0].time == "2026-11-28T12:00:00Z" and entries[0].user == "alice"
    assert entries[0].reason == "CHG-1 rotate" and entries[0].tags == {"Reason": "CHG-1"}
    assert entries[1].error_code == "AccessDenied"
    assert log.entries(limit=1) == entries[1:]
    assert AuditLog(str(path), enabled=False).record(profile="p", api="a", outcome="ok") is None
    assert len(log.entries()) == 2
