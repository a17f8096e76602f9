"""The engine against a real local AWS (moto over HTTP): exact parameters sent to STS, role chaining,
MFA session reuse, MaxSessionDuration, reasons, web identity, cache and audit.

moto ignores ExternalId, MFA, tags, SourceIdentity, DurationSeconds and trust policies, so these tests
assert what roleswitch *sends* (botocore ``before-parameter-build`` / ``before-send`` hooks on the real
boto3 sessions the engine creates) and what it refuses before sending anything.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from roleswitch.core.audit import AuditLog
from roleswitch.core.cache import CredentialCache
from roleswitch.core.engine import REASON_TAG, AssumeOptions, Engine, shared_boto_session
from roleswitch.core.errors import MfaRequiredError, NotFoundError, ValidationError
from roleswitch.core.model import AwsProfile, ProfileKind, Role, StsApi

ACCOUNT = "123456789012"  # moto's default account
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
USER_KEY = "AKIAALICE000EXAMPLE1"  # not moto's fixed GetSessionToken key
USER_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXTERNAL_ID = "ext-s3cr3t-4711"
MFA_CODE = "246810"


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


class FakeCatalogue:
    """Stand-in for core.catalogue.Catalogue (same .get/.profiles/.settings surface), built from model types."""

    def __init__(self, roles: list[Role], profiles: list[AwsProfile], settings: Any = None) -> None:
        self.roles = {r.name: r for r in roles}
        self.profiles = {p.name: p for p in profiles}
        self.settings = settings

    def get(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise NotFoundError(f"no profile or role named {name!r}") from None


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    access_key: str | None
    token: str | None = None


@dataclass
class Recorder:
    """boto_session_factory that builds real boto3 sessions and records every STS/IAM call they make."""

    calls: list[Call] = field(default_factory=list)
    sent_headers: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> boto3.Session:
        session = shared_boto_session(**kwargs)  # the engine's default factory, plus recording hooks
        key, token = kwargs.get("aws_access_key_id"), kwargs.get("aws_session_token")

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.calls.append(Call(model.name, copy.deepcopy(params), key, token))

        def headers(request: Any, **_: Any) -> None:
            self.sent_headers.append({k: str(v) for k, v in request.headers.items()})

        session.events.register("before-parameter-build.sts", record)
        session.events.register("before-parameter-build.iam", record)
        session.events.register("before-send.sts", headers)
        return session

    def ops(self) -> list[str]:
        return [c.operation for c in self.calls]

    def only(self, operation: str) -> Call:
        found = [c for c in self.calls if c.operation == operation]
        assert len(found) == 1, self.ops()
        return found[0]


def static_profile(name: str = "alice", **extra: str) -> AwsProfile:
    return AwsProfile(name, ProfileKind.STATIC,
                      {"aws_access_key_id": USER_KEY, "aws_secret_access_key": USER_SECRET, **extra})


def static_role(name: str = "alice", **kw: Any) -> Role:
    return Role(name=name, origin="aws", kind=ProfileKind.STATIC, **kw)


def role(name: str, source: str = "alice", **kw: Any) -> Role:
    return Role(name=name, origin="roleswitch", kind=ProfileKind.ROLE, role_arn=arn(name.title()),
                source_profile=source, **kw)


@pytest.fixture
def iam(aws_env: Any) -> Any:
    """An IAM client on the test's moto, with the roles the tests assume."""
    client = boto3.client("iam", region_name="us-east-1")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]})
    for name, max_session in (("Admin", 43200), ("Dev", 3600), ("Audit", 3600), ("Deploy", 3600)):
        client.create_role(RoleName=name, AssumeRolePolicyDocument=trust, MaxSessionDuration=max_session)
    return client


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_engine(tmp_path: Any, recorder: Recorder, roles: list[Role], profiles: list[AwsProfile], *,
                settings: Any = None, prompt: Any = None) -> tuple[Engine, AuditLog]:
    audit = AuditLog(str(tmp_path / "audit.jsonl"), user="tester", host="box")
    engine = Engine(FakeCatalogue(roles, profiles, settings), CredentialCache(str(tmp_path / "cache")),
                    prompt_mfa=prompt, boto_session_factory=recorder, audit=audit)
    return engine, audit


def caller_arn(session: Any) -> str:
    creds = session.credentials
    client = boto3.client("sts", region_name="us-east-1", aws_access_key_id=creds.access_key_id,
                          aws_secret_access_key=creds.secret_access_key, aws_session_token=creds.session_token)
    return str(client.get_caller_identity()["Arn"])


def test_assume_role_sends_every_parameter_exactly(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]}
    admin = role("admin", external_id=EXTERNAL_ID, duration_seconds=7200, session_tags=(("team", "sre"),),
                 transitive_tag_keys=("team",), policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",))
    engine, audit = make_engine(tmp_path, recorder, [static_role(), admin], [static_profile()])
    options = AssumeOptions(session_name="alice@laptop", source_identity="alice",
                            tags=(("project", "apollo"),), transitive_tag_keys=("project",),
                            policy_json=json.dumps(policy, indent=2))

    session = engine.obtain("admin", options)

    call = recorder.only("AssumeRole")
    assert call.params == {
        "RoleArn": arn("Admin"),
        "RoleSessionName": "alice@laptop",
        "DurationSeconds": 7200,
        "ExternalId": EXTERNAL_ID,
        "Tags": [{"Key": "team", "Value": "sre"}, {"Key": "project", "Value": "apollo"}],
        "TransitiveTagKeys": ["team", "project"],
        "SourceIdentity": "alice",
        "Policy": json.dumps(policy, separators=(",", ":")),
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }
    assert call.access_key == USER_KEY  # signed with the source profile's keys
    # 7200 s > the 1 h default maximum: the role's MaxSessionDuration was read first (best effort).
    assert recorder.ops() == ["GetRole", "AssumeRole"]
    assert session.api is StsApi.ASSUME_ROLE
    assert session.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@laptop"
    assert caller_arn(session) == session.assumed_arn
    assert session.tags == (("team", "sre"), ("project", "apollo"))

    entry = audit.entries()[-1]
    assert (entry.api, entry.outcome, entry.role_arn, entry.session_name) == (
        "AssumeRole", "ok", arn("Admin"), "alice@laptop")
    assert entry.tags == {"team": "sre", "project": "apollo"}
    trail = (tmp_path / "audit.jsonl").read_text()
    for secret in (EXTERNAL_ID, USER_SECRET, session.credentials.secret_access_key,
                   str(session.credentials.session_token)):
        assert secret not in trail


def test_default_session_name_and_source_identity_name_the_human(tmp_path: Any, iam: Any,
                                                                 recorder: Recorder) -> None:
    from roleswitch.core.limits import default_session_name

    settings = SimpleNamespace(defaults=SimpleNamespace(source_identity=True, audit=True))
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev")], [static_profile()],
                            settings=settings)
    engine.obtain("dev")
    params = recorder.only("AssumeRole").params
    assert params["RoleSessionName"] == default_session_name()
    assert params["SourceIdentity"] == default_session_name()
    assert "DurationSeconds" not in params  # nothing configured: STS's own default applies


def test_role_chaining_uses_first_sessions_credentials(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    dev = role("dev")
    deploy = role("deploy", source="dev", chained=True)
    engine, _ = make_engine(tmp_path, recorder, [static_role(), dev, deploy], [static_profile()])

    session = engine.obtain("deploy", AssumeOptions(session_name="chain-test"))

    first, second = [c for c in recorder.calls if c.operation == "AssumeRole"]
    assert first.params["RoleArn"] == arn("Dev") and first.access_key == USER_KEY
    assert second.params["RoleArn"] == arn("Deploy")
    dev_session = engine.obtain("dev")  # cached by the chain: no new call
    assert second.access_key == dev_session.credentials.access_key_id
    assert len(recorder.calls) == 2
    assert caller_arn(session) == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/chain-test"


def test_chained_duration_over_one_hour_is_refused_before_any_call(tmp_path: Any, iam: Any,
                                                                    recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder,
                            [static_role(), role("dev"), role("deploy", source="dev")], [static_profile()])
    with pytest.raises(ValidationError) as exc:
        engine.obtain("deploy", AssumeOptions(duration_seconds=7200))
    assert "1 hour" in exc.value.one_line() and "chained" in exc.value.one_line()
    assert exc.value.where == "deploy: duration"
    assert recorder.calls == []


def test_default_duration_is_clamped_for_chained_roles(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    settings = SimpleNamespace(defaults=SimpleNamespace(duration_seconds=43200))
    engine, _ = make_engine(tmp_path, recorder,
                            [static_role(), role("admin"), role("deploy", source="admin")], [static_profile()],
                            settings=settings)
    engine.obtain("deploy")
    admin_call, deploy_call = [c for c in recorder.calls if c.operation == "AssumeRole"]
    assert admin_call.params["DurationSeconds"] == 43200  # Admin's MaxSessionDuration allows 12 h
    assert deploy_call.params["DurationSeconds"] == 3600


def test_max_session_duration_read_from_iam(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev")], [static_profile()])
    with pytest.raises(ValidationError) as exc:
        engine.obtain("dev", AssumeOptions(duration_seconds=7200))
    assert "MaxSessionDuration of 3600 s" in exc.value.one_line()
    assert recorder.ops() == ["GetRole"]  # refused before AssumeRole


def test_default_duration_clamped_to_max_session_duration(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    settings = SimpleNamespace(defaults=SimpleNamespace(duration_seconds=28800))
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev")], [static_profile()],
                            settings=settings)
    engine.obtain("dev")
    assert recorder.only("AssumeRole").params["DurationSeconds"] == 3600


def test_unreadable_max_session_duration_does_not_block(tmp_path: Any, aws_env: Any, recorder: Recorder) -> None:
    # No IAM role exists in moto: GetRole fails, the limit is unknown, the call goes ahead.
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("ghost")], [static_profile()])
    session = engine.obtain("ghost", AssumeOptions(duration_seconds=7200))
    assert recorder.ops() == ["GetRole", "AssumeRole"]
    assert session.assumed_arn is not None


def test_mfa_session_reused_for_every_role_with_that_serial(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    prompts: list[str] = []

    def prompt(serial: str) -> str:
        prompts.append(serial)
        return MFA_CODE

    roles = [static_role(), role("dev", mfa_serial=SERIAL), role("audit", mfa_serial=SERIAL)]
    engine, audit = make_engine(tmp_path, recorder, roles, [static_profile()], prompt=prompt)
    assert engine.needs_mfa_code("dev") and engine.needs_mfa_code("audit")
    assert engine.mfa_session_left(SERIAL) is None

    engine.obtain("dev")
    gst = recorder.only("GetSessionToken")
    assert gst.params == {"DurationSeconds": 43200, "SerialNumber": SERIAL, "TokenCode": MFA_CODE}
    assert gst.access_key == USER_KEY
    dev_call = [c for c in recorder.calls if c.operation == "AssumeRole"][0]
    # The role is assumed with the MFA session, so no SerialNumber/TokenCode on AssumeRole.
    assert "SerialNumber" not in dev_call.params and "TokenCode" not in dev_call.params
    assert dev_call.access_key != USER_KEY and dev_call.token is not None
    assert prompts == [SERIAL]

    assert not engine.needs_mfa_code("audit")
    left = engine.mfa_session_left(SERIAL)
    assert left is not None and left > 3600
    engine.obtain("audit")
    assert recorder.ops() == ["GetSessionToken", "AssumeRole", "AssumeRole"]  # no second GetSessionToken
    assert prompts == [SERIAL]  # and no second prompt
    assert [c.access_key for c in recorder.calls[1:]] == [dev_call.access_key] * 2

    # A fresh engine (another process) reuses the cached MFA session too.
    engine2, _ = make_engine(tmp_path, recorder, roles, [static_profile()], prompt=None)
    engine2.obtain("audit", AssumeOptions(use_cache=False))
    assert recorder.ops().count("GetSessionToken") == 1
    assert MFA_CODE not in (tmp_path / "audit.jsonl").read_text()
    assert [e.api for e in audit.entries()] == ["GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole"]


def test_mfa_code_goes_on_assume_role_when_source_is_temporary(tmp_path: Any, iam: Any,
                                                               recorder: Recorder) -> None:
    roles = [static_role(), role("dev"), role("deploy", source="dev", mfa_serial=SERIAL)]
    engine, _ = make_engine(tmp_path, recorder, roles, [static_profile()])
    session = engine.obtain("deploy", AssumeOptions(mfa_code=MFA_CODE))
    deploy_call = [c for c in recorder.calls if c.operation == "AssumeRole"][1]
    assert deploy_call.params["SerialNumber"] == SERIAL
    assert deploy_call.params["TokenCode"] == MFA_CODE
    assert "GetSessionToken" not in recorder.ops()
    assert MFA_CODE not in repr(session)


def test_missing_mfa_code_without_prompt_fails_before_calling(tmp_path: Any, iam: Any,
                                                               recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev", mfa_serial=SERIAL)],
                            [static_profile()])
    with pytest.raises(MfaRequiredError) as exc:
        engine.obtain("dev")
    assert exc.value.serial == SERIAL
    assert recorder.calls == []


def test_bad_mfa_code_from_prompt_is_rejected_locally(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev", mfa_serial=SERIAL)],
                            [static_profile()], prompt=lambda serial: "12345")
    with pytest.raises(ValidationError, match="exactly 6 digits"):
        engine.obtain("dev")
    assert recorder.calls == []


def test_mfa_only_profile_gets_a_session_token(tmp_path: Any, aws_env: Any, recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role(mfa_serial=SERIAL)],
                            [static_profile(mfa_serial=SERIAL)])
    session = engine.obtain("alice", AssumeOptions(mfa_code=MFA_CODE))
    assert recorder.only("GetSessionToken").params["SerialNumber"] == SERIAL
    assert session.api is StsApi.GET_SESSION_TOKEN and session.profile == "alice"
    assert session.credentials.is_temporary


def test_static_profile_passes_keys_through_and_is_not_cached(tmp_path: Any, aws_env: Any,
                                                              recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role()], [static_profile()])
    session = engine.obtain("alice")
    assert session.api is StsApi.STATIC and session.credentials.access_key_id == USER_KEY
    assert recorder.calls == []
    assert engine.cache.entries() == []  # long-term keys are never copied into the cache


def test_sessions_are_cached_per_options(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    engine, _ = make_engine(tmp_path, recorder, [static_role(), role("dev")], [static_profile()])
    first = engine.obtain("dev")
    assert engine.obtain("dev") == first
    assert recorder.ops() == ["AssumeRole"]
    engine.obtain("dev", AssumeOptions(session_name="other-name"))
    engine.obtain("dev", AssumeOptions(use_cache=False))
    assert recorder.ops() == ["AssumeRole"] * 3


def test_reason_required_role(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    engine, audit = make_engine(tmp_path, recorder, [static_role(), role("dev", reason_required=True)],
                                [static_profile()])
    with pytest.raises(ValidationError, match="requires a reason"):
        engine.obtain("dev")
    assert recorder.calls == []

    engine.obtain("dev", AssumeOptions(reason="INC-42: fix #db"))
    tags = recorder.only("AssumeRole").params["Tags"]
    assert tags == [{"Key": REASON_TAG, "Value": "INC-42: fix db"}]
    assert audit.entries()[-1].reason == "INC-42: fix #db"
    engine.obtain("dev", AssumeOptions(reason="INC-42: fix #db"))  # same reason: cached session
    assert recorder.ops() == ["AssumeRole"]
    engine.obtain("dev", AssumeOptions(reason="INC-43 other work"))  # another reason: a new session
    assert recorder.ops() == ["AssumeRole", "AssumeRole"]


def test_web_identity_role_is_unsigned(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    token = tmp_path / "token.jwt"
    token.write_text("eyJhbGciOi.fake-oidc-token.sig\n")
    web = Role(name="ci", origin="aws", kind=ProfileKind.WEB_IDENTITY, role_arn=arn("Deploy"),
               web_identity_token_file=str(token), role_session_name="github-ci")
    engine, audit = make_engine(tmp_path, recorder, [web], [])
    session = engine.obtain("ci")
    call = recorder.only("AssumeRoleWithWebIdentity")
    assert call.params == {"RoleArn": arn("Deploy"), "RoleSessionName": "github-ci",
                           "WebIdentityToken": "eyJhbGciOi.fake-oidc-token.sig"}
    assert "Authorization" not in recorder.sent_headers[-1]
    assert session.api is StsApi.ASSUME_ROLE_WITH_WEB_IDENTITY
    assert caller_arn(session) == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/github-ci"
    assert "fake-oidc-token" not in (tmp_path / "audit.jsonl").read_text()
    assert audit.entries()[-1].api == "AssumeRoleWithWebIdentity"


def test_sso_or_process_source_resolved_by_botocore(tmp_path: Any, aws_env: Any, iam: Any,
                                                    recorder: Recorder) -> None:
    # A credential_process source: botocore's own provider runs it; roleswitch then assumes the role.
    script = tmp_path / "creds.py"
    script.write_text("import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAPROCESS0000EXAMPLE',"
                      " 'SecretAccessKey': 'process-secret'}))\n")


    aws_env.write_config(f"[default]\nregion = us-east-1\n[profile proc]\ncredential_process = "
                         f"{sys.executable} {script}\n")
    proc = AwsProfile("proc", ProfileKind.PROCESS, {"credential_process": f"{sys.executable} {script}"})
    proc_role = Role(name="proc", origin="aws", kind=ProfileKind.PROCESS)
    engine, _ = make_engine(tmp_path, recorder, [proc_role, role("dev", source="proc")], [proc])
    engine.obtain("dev")
    assert recorder.only("AssumeRole").access_key == "AKIAPROCESS0000EXAMPLE"


def test_source_profile_loop_is_a_config_error(tmp_path: Any, aws_env: Any, recorder: Recorder) -> None:
    from roleswitch.core.errors import ConfigError

    engine, _ = make_engine(tmp_path, recorder, [role("a", source="b"), role("b", source="a")], [])
    with pytest.raises(ConfigError, match="source_profile loop: a -> b -> a"):
        engine.obtain("a")
    assert recorder.calls == []


def _sts_error_response(code: str, message: str = "The security token included in the request is expired") -> Any:
    from types import SimpleNamespace

    from botocore.awsrequest import AWSResponse

    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>1</RequestId></ErrorResponse>").encode()
    return AWSResponse("http://stand-in", 400 if code == "ExpiredToken" else 403, {},
                       SimpleNamespace(stream=lambda **_: iter([body])))


def test_dead_cached_mfa_session_is_dropped_and_renewed_once(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    prompts: list[str] = []
    roles = [static_role(), role("dev", mfa_serial=SERIAL), role("audit", mfa_serial=SERIAL)]
    engine, audit = make_engine(tmp_path, recorder, roles, [static_profile()],
                                prompt=lambda serial: prompts.append(serial) or MFA_CODE)
    engine.obtain("dev")
    failures = ["ExpiredToken"]

    def expire_once(**kwargs: Any) -> Any:
        # Test double in front of moto: STS answers the first AssumeRole "ExpiredToken" (moto never expires).
        session = recorder(**kwargs)
        session.events.register("before-send.sts.AssumeRole",
                                lambda **_: _sts_error_response(failures.pop()) if failures else None)
        return session

    engine.boto_session_factory = expire_once
    session = engine.obtain("audit")
    assert session.assumed_arn is not None
    assert recorder.ops() == ["GetSessionToken", "AssumeRole", "AssumeRole", "GetSessionToken", "AssumeRole"]
    assert prompts == [SERIAL, SERIAL]  # the dead MFA session needed a new code
    assert [(e.api, e.outcome, e.error_code) for e in audit.entries()][2:] == [
        ("AssumeRole", "error", "ExpiredToken"), ("GetSessionToken", "ok", None), ("AssumeRole", "ok", None)]


def test_sts_error_names_the_failing_hop(tmp_path: Any, iam: Any, recorder: Recorder) -> None:
    from roleswitch.core.errors import StsError

    engine, audit = make_engine(tmp_path, recorder, [static_role(), role("dev"), role("deploy", source="dev")],
                                [static_profile()])

    def deny_deploy(**kwargs: Any) -> Any:
        session = recorder(**kwargs)

        def deny(request: Any, **_: Any) -> Any:
            # Test double: the trust policy of Deploy denies (moto does not enforce trust policies).
            body = request.body or b""
            body = body.decode() if isinstance(body, bytes) else str(body)
            return _sts_error_response("AccessDenied", "not authorized to perform: sts:AssumeRole") if "role%2FDeploy" in body else None

        session.events.register("before-send.sts.AssumeRole", deny)
        return session

    engine.boto_session_factory = deny_deploy
    with pytest.raises(StsError) as exc:
        engine.obtain("deploy")
    assert exc.value.where == "deploy"
    assert exc.value.one_line().startswith(f"deploy: AssumeRole {arn('Deploy')} failed: AccessDenied")
    assert "trust policy" in exc.value.one_line()
    assert [(e.profile, e.outcome) for e in audit.entries()] == [("dev", "ok"), ("deploy", "error")]
    assert engine.obtain("dev").assumed_arn is not None  # the good hop stays cached
    assert recorder.ops() == ["AssumeRole", "AssumeRole"]
