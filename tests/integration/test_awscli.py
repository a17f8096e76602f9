"""The real AWS CLI (awscli v1 from PyPI, ``.venv/bin/aws``) consumes what roleswitch produces.

If the AWS CLI accepts roleswitch's shell export, ``credential_process`` output and written profile, every
SDK does. All against the demo's accounts seeded into the session's moto server.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roleswitch.demo import DemoEnv, populate

pytestmark = pytest.mark.awscli

AWS = os.path.join(os.path.dirname(sys.executable), "aws")
DEVELOPER = "arn:aws:sts::222222222222:assumed-role/Developer/"
EXPECTED = {
    "staging-dev": DEVELOPER,
    "staging-deploy": "arn:aws:sts::222222222222:assumed-role/Deployer/",
    "partner-audit": "arn:aws:sts::999999999999:assumed-role/AcmeAuditReadOnly/",
}


@pytest.fixture
def demo(moto_server: str, isolated_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DemoEnv:
    """The demo's world in the (freshly reset) session moto, its files in tmp_path, this env pointed at it."""
    assert os.access(AWS, os.X_OK), f"{AWS} missing: install the test extras (pip install -e '.[test]')"
    root = tmp_path / "demo"
    root.mkdir()
    running = populate(moto_server, str(root))
    for name in running.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in running.env.items():
        monkeypatch.setenv(name, value)
    return running


def aws(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *args], env=env or dict(os.environ), capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120, check=False,
    )


def caller_arn(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Arn"]


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_bash_export_then_aws_cli_is_the_assumed_role(demo: DemoEnv, profile: str) -> None:
    script = (
        f'exports="$({shlex.quote(sys.executable)} -m roleswitch export {profile} --format bash)" || exit 90\n'
        'eval "$exports"\n'
        'echo "profile=${AWS_PROFILE-unset} expiration=${AWS_CREDENTIAL_EXPIRATION:-none}"\n'
        f"exec {shlex.quote(AWS)} sts get-caller-identity --output json\n"
    )
    # A stale AWS_PROFILE in the user's shell must not survive the export.
    env = dict(os.environ, AWS_PROFILE="acme-user")
    result = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
    )
    assert result.returncode == 0, result.stderr
    status, _, identity = result.stdout.partition("\n")
    assert status.startswith("profile=unset expiration=20"), status
    assert json.loads(identity)["Arn"].startswith(EXPECTED[profile])


def test_credential_process_profile_works_for_the_aws_cli(demo: DemoEnv, run_cli: Any) -> None:
    command = f"{shlex.quote(sys.executable)} -m roleswitch credential-process staging-dev"
    with open(demo.aws_config_file, "a") as handle:
        handle.write(f"\n[profile via-roleswitch]\ncredential_process = {command}\nregion = us-east-1\n")
    assert caller_arn(aws("sts", "get-caller-identity", "--profile", "via-roleswitch")).startswith(DEVELOPER)

    # The process output follows the AWS contract, and a second call is served from roleswitch's cache.
    first = run_cli("credential-process", "staging-dev")
    second = run_cli("credential-process", "staging-dev")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["Version"] == 1
    assert {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"} <= set(one)
    assert one["AccessKeyId"] == two["AccessKeyId"]


def test_written_profile_works_for_the_aws_cli(demo: DemoEnv, run_cli: Any) -> None:
    credentials = Path(demo.credentials_file)
    before = credentials.read_text()
    result = run_cli("export", "staging-dev", "--write-profile", "dev-session")
    assert result.returncode == 0, result.stderr
    assert caller_arn(aws("sts", "get-caller-identity", "--profile", "dev-session")).startswith(DEVELOPER)

    after = credentials.read_text()
    assert after.startswith(before.rstrip("\n")), "the existing sections must be kept byte for byte"
    assert "[dev-session]" in after
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    # alice's own keys still work.
    assert caller_arn(aws("sts", "get-caller-identity", "--profile", "acme-user")) == demo.user_arn


def test_write_profile_refuses_to_clobber_long_term_keys(demo: DemoEnv, run_cli: Any) -> None:
    credentials = Path(demo.credentials_file)
    before = credentials.read_text()
    result = run_cli("export", "staging-dev", "--write-profile", "acme-user")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "acme-user" in result.stderr
    assert credentials.read_text() == before
    assert caller_arn(aws("sts", "get-caller-identity", "--profile", "acme-user")) == demo.user_arn
