"""Every demo role that needs no MFA code, obtained through the real ``roleswitch`` command line.

The demo exercises the engine's paths: source_profile keys, role chaining, External ID, session tags on a
roleswitch TOML role, and web identity. The credentials it prints must act as the right role in the
right account of the local AWS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conftest import moto_reset

from roleswitch.demo import DemoEnv, populate

EXPECTED = {
    "staging-dev": "arn:aws:sts::222222222222:assumed-role/Developer/",
    "staging-abac": "arn:aws:sts::222222222222:assumed-role/Developer/",
    "staging-deploy": "arn:aws:sts::222222222222:assumed-role/Deployer/",
    "partner-audit": "arn:aws:sts::999999999999:assumed-role/AcmeAuditReadOnly/",
    "staging-legacy": "arn:aws:sts::222222222222:assumed-role/LegacyVendorAccess/",
    "ci-deployer": "arn:aws:sts::222222222222:assumed-role/CiDeployer/github-actions",
}


@pytest.fixture(scope="module")
def seeded(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEnv]:
    moto_reset(moto_endpoint)
    yield populate(moto_endpoint, str(tmp_path_factory.mktemp("demo")))


@pytest.fixture
def in_demo(seeded: DemoEnv, isolated_env: Any, monkeypatch: pytest.MonkeyPatch) -> DemoEnv:
    for name in seeded.unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in seeded.env.items():
        monkeypatch.setenv(name, value)
    return seeded


@pytest.mark.moto_keep
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_roleswitch_obtains_every_demo_role(in_demo: DemoEnv, run_cli: Any, name: str) -> None:
    result = run_cli("credential-process", name)
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert creds["Version"] == 1 and creds["Expiration"]
    identity = boto3.client(
        "sts",
        endpoint_url=in_demo.endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).get_caller_identity()
    assert identity["Arn"].startswith(EXPECTED[name])
    # Nothing was written outside the demo's folders and the temp HOME.
    assert not os.path.exists(os.path.join(os.path.expanduser("~"), ".aws", "credentials"))


@pytest.mark.moto_keep
def test_mfa_role_without_a_code_fails_cleanly(in_demo: DemoEnv, run_cli: Any) -> None:
    # stdin is /dev/null: roleswitch cannot prompt for the MFA code and must say so in one line.
    result = run_cli("credential-process", "prod-readonly")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "MFA" in result.stderr or "mfa" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
