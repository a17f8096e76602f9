"""The demo backend: seeded over HTTP into moto, every role assumable, config files usable by botocore.

moto ignores trust policies, MFA and External IDs (see TESTING.md), so these tests check that the demo
*describes* those features in IAM (the documents our lint/preflight read) and that every role really
answers AssumeRole with credentials that act in the role's own account.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from roleswitch.demo import DemoEnv, apply_env, print_env, start_demo
from roleswitch.demo import seed as demo_seed


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnv]:
    with start_demo() as running:
        yield running


@pytest.fixture
def in_demo(demo: DemoEnv, isolated_env: Any, monkeypatch: pytest.MonkeyPatch) -> DemoEnv:
    """This process's environment pointed at the demo (HOME is a temp dir: ~/.aws is never seen)."""
    for name in demo.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in demo.env.items():
        monkeypatch.setenv(name, value)
    return demo


def _user_session(demo: DemoEnv) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=demo.access_key_id,
        aws_secret_access_key=demo.secret_access_key,
        region_name="us-east-1",
    )


def _iam(demo: DemoEnv, account_alias: str) -> Any:
    client = boto3.client(
        "iam", endpoint_url=demo.endpoint, region_name="us-east-1",
        aws_access_key_id="AKIATESTREADER000000", aws_secret_access_key="x",
    )
    account_id = demo.accounts[account_alias]
    client.meta.events.register(
        "before-sign", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account_id)
    )
    return client


def _session_from(creds: dict[str, Any]) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


def test_user_keys_act_in_the_identity_account(demo: DemoEnv) -> None:
    sts = _user_session(demo).client("sts", endpoint_url=demo.endpoint)
    identity = sts.get_caller_identity()
    assert identity["Arn"] == demo.user_arn == "arn:aws:iam::333333333333:user/alice"
    assert identity["Account"] == demo.accounts["acme-identity"]
    devices = _iam(demo, "acme-identity").list_mfa_devices(UserName="alice")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [demo.mfa_serial]


ROLE_CALLS = {
    # catalogue name -> extra AssumeRole parameters a correct client sends (moto ignores them; AWS would not)
    "prod-admin": {"SerialNumber": "arn:aws:iam::333333333333:mfa/alice", "TokenCode": "123456"},
    "prod-readonly": {"SerialNumber": "arn:aws:iam::333333333333:mfa/alice", "TokenCode": "123456"},
    "staging-dev": {},
    "staging-abac": {"Tags": [{"Key": "dept", "Value": "platform"}], "TransitiveTagKeys": ["dept"]},
    "partner-audit": {"ExternalId": demo_seed.PARTNER_EXTERNAL_ID},
    "staging-legacy": {},
}


@pytest.mark.parametrize("name", sorted(ROLE_CALLS))
def test_role_is_assumable_and_acts_in_its_account(demo: DemoEnv, name: str) -> None:
    arn = demo.role_arns[name]
    sts = _user_session(demo).client("sts", endpoint_url=demo.endpoint)
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="alice", **ROLE_CALLS[name])["Credentials"]
    identity = _session_from(creds).client("sts", endpoint_url=demo.endpoint).get_caller_identity()
    account, role_name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    assert identity["Account"] == account
    assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/{role_name}/alice"


def test_deployer_is_reached_by_chaining(demo: DemoEnv) -> None:
    sts = _user_session(demo).client("sts", endpoint_url=demo.endpoint)
    first = sts.assume_role(RoleArn=demo.role_arns["staging-dev"], RoleSessionName="alice")["Credentials"]
    chained = _session_from(first).client("sts", endpoint_url=demo.endpoint).assume_role(
        RoleArn=demo.role_arns["staging-deploy"], RoleSessionName="alice", DurationSeconds=3600
    )["Credentials"]
    identity = _session_from(chained).client("sts", endpoint_url=demo.endpoint).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/Deployer/alice"
    trust = _iam(demo, "acme-staging").get_role(RoleName="Deployer")["Role"]["AssumeRolePolicyDocument"]
    assert [s["Principal"]["AWS"] for s in trust["Statement"]] == [demo.role_arns["staging-dev"]]


def test_ci_role_answers_web_identity(demo: DemoEnv) -> None:
    with open(os.path.join(demo.root, "ci-token.jwt")) as handle:
        token = handle.read().strip()
    sts = boto3.client("sts", endpoint_url=demo.endpoint, region_name="us-east-1")
    creds = sts.assume_role_with_web_identity(
        RoleArn=demo.role_arns["ci-deployer"], RoleSessionName="github-actions", WebIdentityToken=token
    )["Credentials"]
    identity = _session_from(creds).client("sts", endpoint_url=demo.endpoint).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/CiDeployer/github-actions"


def test_iam_describes_every_feature(demo: DemoEnv) -> None:
    prod = _iam(demo, "acme-prod")
    admin = prod.get_role(RoleName="Admin")["Role"]
    assert admin["MaxSessionDuration"] == 3600
    condition = admin["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert prod.list_role_policies(RoleName="Admin")["PolicyNames"] == ["ProtectAuditTrail"]
    assert prod.get_role(RoleName="ReadOnly")["Role"]["MaxSessionDuration"] == 43200

    partner = _iam(demo, "partner-audit").get_role(RoleName="AcmeAuditReadOnly")["Role"]
    statement = partner["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": demo_seed.PARTNER_EXTERNAL_ID}}

    staging = _iam(demo, "acme-staging")
    attached = staging.list_attached_role_policies(RoleName="Developer")["AttachedPolicies"]
    policy = staging.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
    version = staging.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
    document = version["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    assert "${aws:PrincipalTag/dept}" in json.dumps(document)
    tags = staging.list_role_tags(RoleName="Developer")["Tags"]
    assert {"Key": "dept", "Value": "platform"} in tags

    risky = staging.get_role(RoleName="LegacyVendorAccess")["Role"]["AssumeRolePolicyDocument"]
    principals = [s["Principal"]["AWS"] for s in risky["Statement"]]
    assert "*" in principals
    assert "arn:aws:iam::999999999999:root" in principals[0]
    assert all("Condition" not in s for s in risky["Statement"])


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("acme-user", "arn:aws:iam::333333333333:user/alice"),
        ("staging-dev", "arn:aws:sts::222222222222:assumed-role/Developer/"),
        ("staging-deploy", "arn:aws:sts::222222222222:assumed-role/Deployer/"),
        ("partner-audit", "arn:aws:sts::999999999999:assumed-role/AcmeAuditReadOnly/"),
        ("staging-legacy", "arn:aws:sts::222222222222:assumed-role/LegacyVendorAccess/"),
        ("ci-deployer", "arn:aws:sts::222222222222:assumed-role/CiDeployer/github-actions"),
    ],
)
def test_aws_config_profiles_resolve_with_botocore(in_demo: DemoEnv, profile: str, expected: str) -> None:
    # botocore's own resolver (source_profile chains, external_id, web identity) against the demo's files.
    arn = boto3.Session(profile_name=profile).client("sts").get_caller_identity()["Arn"]
    assert arn.startswith(expected)


def test_files_are_private_and_outside_home(demo: DemoEnv, isolated_env: Any) -> None:
    for path in (demo.credentials_file, demo.aws_config_file, demo.settings_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert path.startswith(demo.root)
    assert not os.path.expanduser("~/.aws").startswith(demo.root)
    with open(demo.credentials_file) as handle:
        assert demo.access_key_id in handle.read()
    assert demo.secret_access_key not in repr(demo)


def test_settings_toml_is_what_the_contract_describes(demo: DemoEnv) -> None:
    with open(demo.settings_file, "rb") as handle:
        settings = tomllib.load(handle)
    assert settings["favorites"] == ["staging-dev", "prod-readonly"]
    assert settings["accounts"]["acme-prod"] == {"id": "111111111111", "environment": "prod", "colour": "red"}
    assert settings["roles"]["prod-admin"]["reason_required"] is True
    assert settings["roles"]["prod-admin"]["mfa_serial"] == demo.mfa_serial
    assert settings["roles"]["staging-abac"]["transitive_tags"] == ["dept"]


def test_catalogue_lists_every_demo_role(in_demo: DemoEnv) -> None:
    catalogue_module = pytest.importorskip("roleswitch.core.catalogue")
    catalogue = catalogue_module.load_catalogue()
    names = set(catalogue.names())
    assert set(in_demo.role_arns) <= names
    assert catalogue.get("prod-admin").reason_required
    assert catalogue.get("staging-deploy").chained
    assert catalogue.roles[0].name == "staging-dev"  # favorites first, in order


@pytest.mark.shells
@pytest.mark.parametrize("shell", ["bash", "zsh", "dash", "fish"])
def test_print_env_points_a_real_shell_at_the_demo(demo: DemoEnv, shell: str) -> None:
    code = print_env(demo, "fish" if shell == "fish" else "sh")
    probe = 'echo "$AWS_CONFIG_FILE|$AWS_ENDPOINT_URL|${AWS_PROFILE:-none}"'
    if shell == "fish":
        probe = 'echo "$AWS_CONFIG_FILE|$AWS_ENDPOINT_URL|"(set -q AWS_PROFILE; and echo $AWS_PROFILE; or echo none)'
    env = {"PATH": os.environ["PATH"], "HOME": demo.root, "AWS_PROFILE": "real-prod"}
    result = subprocess.run([shell, "-c", code + probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"{demo.aws_config_file}|{demo.endpoint}|none"


def test_apply_env_scrubs_the_callers_aws_variables(demo: DemoEnv) -> None:
    env = apply_env(demo, {"AWS_PROFILE": "prod", "AWS_ENDPOINT_URL_STS": "https://sts.amazonaws.com", "PATH": "/bin"})
    assert "AWS_PROFILE" not in env and "AWS_ENDPOINT_URL_STS" not in env
    assert env["PATH"] == "/bin" and env["AWS_ENDPOINT_URL"] == demo.endpoint


@pytest.mark.parametrize(("command", "signum"), [
    (["roleswitch.demo", "--print-env"], signal.SIGTERM),
    (["roleswitch", "demo", "--print-env"], signal.SIGTERM),
    (["roleswitch", "demo", "--print-env"], signal.SIGHUP),  # the terminal was closed
])
def test_print_env_command_serves_until_stopped_then_cleans_up(isolated_env: Any, command: list[str],
                                                                signum: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].rstrip(";\n").partition("=")
                exports[name] = value
            if "ROLESWITCH_DEMO" in exports:
                break
        # The server really is up for another process to use.
        sts = boto3.client(
            "sts", endpoint_url=exports["AWS_ENDPOINT_URL"], region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x",
        )
        assert sts.get_caller_identity()["Account"]
        assert os.path.exists(exports["AWS_CONFIG_FILE"])
        process.send_signal(signum)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode in (0, 128 + signum), err
    assert "Traceback" not in err
    assert not os.path.exists(os.path.dirname(exports["AWS_CONFIG_FILE"]))
    assert not os.path.exists(os.path.join(str(isolated_env.home), ".aws", "config"))


def test_demo_shell_runs_roleswitch_inside_the_demo(isolated_env: Any) -> None:
    # `roleswitch demo --shell` with a scripted shell: the demo's roles are listed, the shell's exit status
    # comes back, and the caller's AWS_PROFILE does not leak in.
    script = 'echo "demo=$ROLESWITCH_DEMO profile=${AWS_PROFILE-unset}"\n' + f"{sys.executable} -m roleswitch list\nexit 3\n"
    env = dict(os.environ, SHELL="/bin/bash", AWS_PROFILE="real-prod")
    result = subprocess.run(
        [sys.executable, "-m", "roleswitch", "demo", "--shell"],
        input=script, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "demo=1 profile=unset" in result.stdout
    for name in ("prod-admin", "staging-deploy", "partner-audit", "ci-deployer"):
        assert name in result.stdout
    assert "roleswitch demo: local AWS (moto) at http://127.0.0.1:" in result.stderr
    assert os.listdir(isolated_env.home / ".aws") == []  # the fixture made it empty; the demo left it so
