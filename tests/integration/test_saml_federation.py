"""AssumeRoleWithSAML and GetFederationToken end to end against moto over HTTP: the engine on the real
catalogue (exact parameters sent, recorded with botocore ``before-parameter-build`` / ``before-send`` hooks),
the real ``roleswitch`` command line, and the real AWS CLI using an exported SAML session.

moto accepts an unsigned, self-made SAML assertion (a Role attribute ``roleArn,providerArn`` and a
RoleSessionName attribute); it ignores DurationSeconds, policies and tags, so those are asserted as sent.
The assertion is a credential: every test checks it never reaches a message, the cache or the audit trail.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from roleswitch.core.audit import AuditLog
from roleswitch.core.cache import CredentialCache
from roleswitch.core.catalogue import load_catalogue
from roleswitch.core.engine import AssumeOptions, Engine, shared_boto_session
from roleswitch.core.errors import ConfigError, StsError, UsageError, ValidationError
from roleswitch.core.model import StsApi
from roleswitch.demo.seed import saml_assertion as demo_saml_assertion

ACCOUNT = "123456789012"  # moto's default account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admin"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
USER_KEY = "AKIAALICE000EXAMPLE1"
USER_SECRET = "alice/secret/EXAMPLEKEY"
AWS = os.path.join(os.path.dirname(sys.executable), "aws")


def saml_assertion(role_arn: str = ROLE, provider: str = PROVIDER, session_name: str = "alice@idp") -> str:
    """A base64 SAMLResponse moto accepts (unsigned; real STS would verify the IdP's signature)."""
    return demo_saml_assertion(role_arn, provider, session_name)


ASSERTION = saml_assertion()
# Any 40-character piece of the assertion found somewhere means it leaked.
PIECES = [ASSERTION[i:i + 40] for i in range(0, len(ASSERTION) - 40, 97)]


@dataclass
class Recorder:
    """boto_session_factory building real boto3 sessions that record every STS call and its headers."""

    calls: list[tuple[str, dict[str, Any], str | None, str | None]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> boto3.Session:
        session = shared_boto_session(**kwargs)
        key, token = kwargs.get("aws_access_key_id"), kwargs.get("aws_session_token")

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.calls.append((model.name, copy.deepcopy(params), key, token))

        session.events.register("before-parameter-build.sts", record)
        session.events.register("before-send.sts", lambda request, **_: self.headers.append(
            {k: str(v) for k, v in request.headers.items()}))
        return session


class Env:
    """The test's AwsEnv plus the assertion file (AwsEnv is frozen)."""

    def __init__(self, aws_env: Any, assertion_file: Path) -> None:
        self._aws_env = aws_env
        self.assertion_file = assertion_file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aws_env, name)


@pytest.fixture
def env(aws_env: Any, tmp_path: Path) -> Any:
    """AWS files with an IAM user's keys, and a config.toml with SAML roles and federation entries."""
    aws_env.write_credentials(aws_env.credentials_file.read_text()
                              + f"\n[alice]\naws_access_key_id = {USER_KEY}\naws_secret_access_key = {USER_SECRET}\n")
    aws_env.write_config(aws_env.config_file.read_text()
                         + f"\n[profile dev]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Dev\nsource_profile = alice\n")
    assertion_file = tmp_path / "assertion.b64"
    assertion_file.write_text(ASSERTION + "\n")
    script = tmp_path / "idp.py"
    script.write_text(
        "import sys, pathlib\n"
        "log = pathlib.Path(sys.argv[1])\n"
        "log.write_text(log.read_text() + repr(sys.argv[2:]) + '\\n' if log.exists() else repr(sys.argv[2:]) + '\\n')\n"
        "sys.stdout.write(pathlib.Path(sys.argv[2]).read_text())\n"
        "sys.exit(int(sys.argv[3]) if len(sys.argv) > 3 else 0)\n")
    runs = tmp_path / "runs.log"
    aws_env.write_settings(f"""
[roles.corp-saml]
role_arn = "{ROLE}"
saml_provider_arn = "{PROVIDER}"
saml_assertion_file = "{assertion_file}"
duration_seconds = 7200
policy_arns = ["{READONLY}"]

[roles.saml-cmd]
role_arn = "{ROLE}"
saml_provider_arn = "{PROVIDER}"
saml_assertion_command = "{sys.executable} {script} {runs} '{assertion_file}' 0 '$(touch pwned);x'"

[roles.saml-failing]
role_arn = "{ROLE}"
saml_provider_arn = "{PROVIDER}"
saml_assertion_command = "{sys.executable} {script} {runs} {assertion_file} 3"

[roles.saml-cli]
role_arn = "{ROLE}"
saml_provider_arn = "{PROVIDER}"

[roles.proxy]
federation_name = "alice-proxy"
source_profile = "alice"
policy_arns = ["{READONLY}"]
duration_seconds = 129600
tags = {{ team = "sre" }}

[roles.bare-fed]
federation_name = "bare"
source_profile = "alice"

[roles.after-saml]
role_arn = "arn:aws:iam::{ACCOUNT}:role/Deploy"
source_profile = "saml-cli"
""")
    return Env(aws_env, assertion_file)


@pytest.fixture
def engine(env: Any) -> tuple[Engine, Recorder]:
    recorder = Recorder()
    engine = Engine(load_catalogue(), CredentialCache(str(env.cache_dir)), boto_session_factory=recorder,
                    audit=AuditLog(str(env.data_dir / "audit.jsonl")))
    return engine, recorder


def assert_no_assertion(*texts: str) -> None:
    for text in texts:
        for piece in PIECES:
            assert piece not in text


def stored_text(env: Any) -> str:
    """Everything roleswitch wrote: cache files and the audit trail."""
    out = []
    for root in (env.cache_dir, env.data_dir):
        for path in Path(root).rglob("*"):
            if path.is_file():
                out.append(path.read_text(errors="replace"))
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ engine


def test_saml_role_sends_exactly_its_parameters_unsigned_and_is_cached(env: Any, engine: Any) -> None:
    eng, recorder = engine
    session = eng.obtain("corp-saml")
    assert [c[0] for c in recorder.calls] == ["AssumeRoleWithSAML"]
    name, params, key, token = recorder.calls[0]
    assert params == {"RoleArn": ROLE, "PrincipalArn": PROVIDER, "SAMLAssertion": ASSERTION,
                      "DurationSeconds": 7200, "PolicyArns": [{"arn": READONLY}]}
    assert key is None and token is None and "Authorization" not in recorder.headers[-1]
    assert session.api is StsApi.ASSUME_ROLE_WITH_SAML
    assert session.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@idp"
    assert (session.role_arn, session.session_name, session.account_id) == (ROLE, "alice@idp", ACCOUNT)
    assert eng.obtain("corp-saml") == session and len(recorder.calls) == 1  # cache hit
    entry = eng.audit.entries()[-1]
    assert (entry.api, entry.outcome, entry.role_arn, entry.session_name, entry.duration_seconds) == (
        "AssumeRoleWithSAML", "ok", ROLE, "alice@idp", 7200)
    assert_no_assertion(stored_text(env), repr(session), repr(eng.preflight("corp-saml")))


def test_saml_assertion_given_by_the_caller_and_chained_role(env: Any, engine: Any) -> None:
    eng, recorder = engine
    with pytest.raises(UsageError, match="needs an assertion") as caught:
        eng.obtain("saml-cli")
    assert "--saml-assertion-file" in caught.value.one_line() and recorder.calls == []
    wrapped = "\n".join(ASSERTION[i:i + 76] for i in range(0, len(ASSERTION), 76))  # as base64 tools print it
    session = eng.obtain("after-saml", AssumeOptions(saml_assertion=wrapped))
    ops = [(c[0], c[2] is None) for c in recorder.calls]
    assert ops == [("AssumeRoleWithSAML", True), ("AssumeRole", False)]
    assert recorder.calls[0][1]["SAMLAssertion"] == ASSERTION and "DurationSeconds" not in recorder.calls[0][1]
    saml_keys = eng.obtain("saml-cli").credentials  # the SAML hop was cached on the way
    assert recorder.calls[1][2] == saml_keys.access_key_id  # AssumeRole signed with the SAML session
    assert session.api is StsApi.ASSUME_ROLE and len(recorder.calls) == 2


def test_saml_assertion_command_runs_without_a_shell_only_on_a_miss(env: Any, engine: Any, tmp_path: Path) -> None:
    eng, recorder = engine
    os.chdir(tmp_path)
    eng.obtain("saml-cmd")
    eng.obtain("saml-cmd")
    runs = (tmp_path / "runs.log").read_text().splitlines()
    assert runs == [repr([str(env.assertion_file), "0", "$(touch pwned);x"])]  # literal argv, once
    assert not (tmp_path / "pwned").exists()
    assert recorder.calls[0][1]["SAMLAssertion"] == ASSERTION


def test_failing_assertion_command_and_bad_assertions_never_show_it(env: Any, engine: Any) -> None:
    eng, recorder = engine
    with pytest.raises(StsError) as caught:
        eng.obtain("saml-failing")
    assert "failed with exit status 3" in caught.value.one_line()
    assert_no_assertion(caught.value.one_line())
    with pytest.raises(ValidationError, match="not base64") as bad:
        eng.obtain("saml-cli", AssumeOptions(saml_assertion="this is my s3cr3t assertion"))
    assert "s3cr3t" not in bad.value.one_line()
    env.assertion_file.unlink()
    with pytest.raises(ConfigError, match="cannot read the SAML assertion file"):
        eng.obtain("corp-saml")
    assert recorder.calls == []
    assert_no_assertion(stored_text(env))


def test_federation_sends_exactly_its_parameters_with_the_users_keys(env: Any, engine: Any) -> None:
    eng, recorder = engine
    session = eng.obtain("proxy", AssumeOptions(tags=(("ticket", "OPS-7"),)))
    assert len(recorder.calls) == 1
    name, params, key, token = recorder.calls[0]
    assert name == "GetFederationToken" and (key, token) == (USER_KEY, None)
    assert params == {"Name": "alice-proxy", "DurationSeconds": 129600, "PolicyArns": [{"arn": READONLY}],
                      "Tags": [{"Key": "team", "Value": "sre"}, {"Key": "ticket", "Value": "OPS-7"}]}
    assert session.api is StsApi.GET_FEDERATION_TOKEN and session.role_arn is None
    assert session.assumed_arn is not None and session.assumed_arn.endswith(":federated-user/alice-proxy")
    assert (session.session_name, session.tags) == ("alice-proxy", (("team", "sre"), ("ticket", "OPS-7")))
    assert eng.obtain("proxy", AssumeOptions(tags=(("ticket", "OPS-7"),))) == session  # cached
    entry = eng.audit.entries()[-1]
    assert (entry.api, entry.session_name, entry.tags, entry.duration_seconds, entry.role_arn) == (
        "GetFederationToken", "alice-proxy", {"team": "sre", "ticket": "OPS-7"}, 129600, None)
    assert USER_SECRET not in stored_text(env)


# ------------------------------------------------------------------------------------------ command line


def check_failure(env: Any, result: Any, code: int, *fragments: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("roleswitch: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert_no_assertion(result.stderr)
    sessions = env.cache_dir / "sessions"
    assert not sessions.exists() or list(sessions.iterdir()) == []


def test_cli_rejects_bad_saml_and_federation_input(env: Any, run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("my s3cr3t but not base64!")
    cases = [
        (["export", "saml-cli"], 2, "needs an assertion", "--saml-assertion-file"),
        (["export", "saml-cli", "--saml-assertion-file", str(tmp_path / "missing")], 2,
         "--saml-assertion-file", "cannot read SAML assertion file"),
        (["export", "saml-cli", "--saml-assertion-file", str(bad)], 2, "not base64"),
        (["export", "dev", "--saml-assertion-file", str(env.assertion_file)], 2, "not a SAML role"),
        (["export", "corp-saml", "--tag", "a=b"], 2, "AssumeRoleWithSAML takes no session tags"),
        (["export", "corp-saml", "--duration", "50000"], 2, "900..43200"),
        (["export", "proxy", "--duration", "129601"], 2, "900..129600"),
        (["export", "proxy", "--session-name", "x"], 2, "federation_name", "2..32"),
        (["exec", "proxy", "--external-id", "abcdef", "--", "true"], 2, "GetFederationToken takes no External ID"),
    ]
    for argv, code, *fragments in cases:
        result = run_cli(*argv)
        check_failure(env, result, code, *fragments)
        assert "s3cr3t" not in result.stderr


def test_cli_config_errors_are_one_line(env: Any, run_cli: Any) -> None:
    env.write_settings('[roles.f]\nfederation_name = "has space"\nsource_profile = "alice"\n')
    check_failure(env, run_cli("export", "f"), 3, "roles.f.federation_name", "characters STS rejects")
    env.write_settings(f'[roles.s]\nrole_arn = "{ROLE}"\nsaml_provider_arn = "{PROVIDER}"\n'
                       'source_profile = "alice"\n')
    check_failure(env, run_cli("list"), 3, "roles.s.source_profile", "does not apply to a SAML role")


def test_cli_export_saml_then_the_aws_cli_is_that_role(env: Any, run_cli: Any) -> None:
    assert os.access(AWS, os.X_OK), f"{AWS} missing"
    script = (f'eval "$({sys.executable} -m roleswitch export saml-cli --format bash '
              f'--saml-assertion-file {env.assertion_file})" && {AWS} sts get-caller-identity')
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@idp"
    assert_no_assertion(result.stdout, result.stderr, stored_text(env))
    # From stdin, and then served from the cache without an assertion.
    again = run_cli("export", "saml-cli", "--format", "json", "--no-cache", "--saml-assertion-file", "-",
                    input=ASSERTION)
    assert again.returncode == 0, again.stderr
    cached = run_cli("export", "saml-cli", "--format", "json")
    assert cached.returncode == 0 and json.loads(cached.stdout) == json.loads(again.stdout)
    audit = [json.loads(line) for line in (env.data_dir / "audit.jsonl").read_text().splitlines()]
    assert [a["api"] for a in audit] == ["AssumeRoleWithSAML", "AssumeRoleWithSAML"]


def test_cli_federation_export_warns_without_policy_and_list_shows_kinds(env: Any, run_cli: Any) -> None:
    result = run_cli("export", "bare-fed", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ("roleswitch: warning: bare-fed has no session policy (policy_file or "
                                     "policy_arns): a GetFederationToken session without one has no permissions "
                                     "at all")
    exported = json.loads(result.stdout)
    assert exported["AccessKeyId"] and exported["SessionToken"]
    quiet = run_cli("export", "proxy", "--format", "json")
    assert quiet.returncode == 0 and quiet.stderr == ""
    listed = {row["name"]: row for row in json.loads(run_cli("list", "--json").stdout)}
    assert listed["corp-saml"]["kind"] == "saml" and listed["corp-saml"]["saml_provider_arn"] == PROVIDER
    assert listed["proxy"]["kind"] == "federation" and listed["proxy"]["federation_name"] == "alice-proxy"
    table = run_cli("list").stdout
    assert any(line.startswith("proxy") and "federation" in line for line in table.splitlines())


def test_cli_exec_takes_options_after_the_profile(env: Any, run_cli: Any) -> None:
    # `exec P --opt ... -- CMD`: the options after PROFILE apply (they were once swallowed by the command).
    check_failure(env, run_cli("exec", "proxy", "stray", "--", "true"), 2, "extra words between PROFILE and --")
    code = "import os; print(os.environ['ROLESWITCH_PROFILE'], os.environ['AWS_SESSION_TOKEN'] != '')"
    result = run_cli("exec", "saml-cli", "--saml-assertion-file", str(env.assertion_file), "--",
                     sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["saml-cli", "True"]


def test_demo_offers_a_saml_role_and_a_federation_entry(moto_server: str, isolated_env: Any,
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         run_cli: Any) -> None:
    from roleswitch.demo import populate
    from roleswitch.demo import seed as demo_seed

    root = tmp_path / "demo"
    root.mkdir()
    demo = populate(moto_server, str(root))
    for name in demo.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in demo.env.items():
        monkeypatch.setenv(name, value)
    catalogue = load_catalogue()
    assert not [w for w in catalogue.warnings if "identity-proxy" in w]  # it has a session policy
    recorder = Recorder()
    eng = Engine(catalogue, CredentialCache(), boto_session_factory=recorder)
    saml = eng.obtain("staging-saml")
    assert saml.assumed_arn == f"arn:aws:sts::{demo_seed.STAGING}:assumed-role/SamlEngineer/alice@acme.example"
    assert recorder.calls[-1][1]["PrincipalArn"] == demo_seed.SAML_PROVIDER_ARN
    fed = eng.obtain("identity-proxy")
    assert fed.api is StsApi.GET_FEDERATION_TOKEN and fed.session_name == "alice-proxy"
    assert recorder.calls[-1][1]["DurationSeconds"] == 129600 and "Policy" in recorder.calls[-1][1]
    assert recorder.calls[-1][2] == demo.access_key_id
    # The role trusts the SAML provider with an audience: lint finds nothing to say about it.
    lint = run_cli("lint", "staging-saml", "--json")
    assert lint.returncode == 0 and json.loads(lint.stdout) == [], lint.stdout + lint.stderr
