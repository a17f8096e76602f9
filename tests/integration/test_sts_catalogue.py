"""The engine on a real catalogue read from AWS config/credentials files and roleswitch's TOML, against moto:
profile role chains as botocore defines them, TOML roles with External ID/tags/reason, MFA reuse across
both origins, and the cache/audit files a second process would see."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import boto3
import pytest

from roleswitch.core.audit import AuditLog
from roleswitch.core.cache import CredentialCache
from roleswitch.core.catalogue import load_catalogue
from roleswitch.core.engine import REASON_TAG, AssumeOptions, Engine, shared_boto_session
from roleswitch.core.errors import MfaRequiredError
from roleswitch.core.model import StsApi

ACCOUNT = "123456789012"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
USER_KEY = "AKIAALICE000EXAMPLE1"
EXTERNAL_ID = "partner-ext-9f8e7d"


class Recorder:
    """boto_session_factory: the engine's own shared sessions, plus a hook recording STS/IAM parameters."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []

    def __call__(self, **kwargs: Any) -> Any:
        session = shared_boto_session(**kwargs)
        key = kwargs.get("aws_access_key_id")
        session.events.register("before-parameter-build.sts",
                                lambda params, model, **_: self.calls.append((model.name, copy.deepcopy(params), key)))
        return session

    def ops(self) -> list[str]:
        return [name for name, _, _ in self.calls]


@pytest.fixture
def files(aws_env: Any) -> Any:
    aws_env.write_config(f"""[default]
region = us-east-1

[profile alice]
region = eu-west-1

[profile dev]
role_arn = arn:aws:iam::{ACCOUNT}:role/Dev
source_profile = alice
mfa_serial = {SERIAL}
role_session_name = alice-dev

[profile deploy]
role_arn = arn:aws:iam::{ACCOUNT}:role/Deploy
source_profile = dev
""")
    aws_env.write_credentials(f"""[alice]
aws_access_key_id = {USER_KEY}
aws_secret_access_key = alice-secret-key
""")
    aws_env.write_settings(f"""[accounts.acme]
id = "{ACCOUNT}"
environment = "prod"

[roles.partner-audit]
account = "acme"
role_name = "Audit"
source_profile = "alice"
mfa_serial = "{SERIAL}"
external_id = "{EXTERNAL_ID}"
tags = {{ team = "sre" }}
transitive_tags = ["team"]
reason_required = true
duration_seconds = 3600
""")
    return aws_env


def test_real_catalogue_chain_mfa_reuse_and_toml_role(files: Any, tmp_path: Any) -> None:
    catalogue = load_catalogue()
    prompts: list[str] = []
    recorder = Recorder()
    engine = Engine(catalogue, CredentialCache(), settings=catalogue.settings,
                    prompt_mfa=lambda serial: prompts.append(serial) or "112233",
                    boto_session_factory=recorder, audit=AuditLog())

    deploy = engine.obtain("deploy")
    assert recorder.ops() == ["GetSessionToken", "AssumeRole", "AssumeRole"]
    _, gst, gst_key = recorder.calls[0]
    assert gst == {"DurationSeconds": 43200, "SerialNumber": SERIAL, "TokenCode": "112233"}
    assert gst_key == USER_KEY
    _, dev_params, _ = recorder.calls[1]
    assert dev_params == {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/Dev", "RoleSessionName": "alice-dev"}
    dev_session = engine.obtain("dev")
    assert recorder.calls[2][2] == dev_session.credentials.access_key_id  # the chain's second hop
    assert deploy.region == "us-east-1"
    identity = boto3.client("sts", aws_access_key_id=deploy.credentials.access_key_id,
                            aws_secret_access_key=deploy.credentials.secret_access_key,
                            aws_session_token=deploy.credentials.session_token).get_caller_identity()
    assert identity["Arn"] == deploy.assumed_arn and ":assumed-role/Deploy/" in identity["Arn"]

    # The TOML role shares alice's MFA serial: no new GetSessionToken, no new prompt.
    audit_session = engine.obtain("partner-audit", AssumeOptions(reason="AUD-12 quarterly review"))
    assert prompts == [SERIAL]
    assert recorder.ops().count("GetSessionToken") == 1
    name, params, _ = recorder.calls[-1]
    assert name == "AssumeRole"
    assert params["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/Audit"
    assert params["ExternalId"] == EXTERNAL_ID
    assert params["DurationSeconds"] == 3600
    assert params["Tags"] == [{"Key": "team", "Value": "sre"}, {"Key": REASON_TAG, "Value": "AUD-12 quarterly review"}]
    assert params["TransitiveTagKeys"] == ["team"]
    assert audit_session.account_id == ACCOUNT and audit_session.api is StsApi.ASSUME_ROLE

    # What another process sees: cache files 0600 under ROLESWITCH_CACHE_DIR, the audit trail without secrets.
    cache_dir = os.environ["ROLESWITCH_CACHE_DIR"]
    names = {entry.name for entry in CredentialCache(cache_dir).entries()}
    assert {"dev", "deploy", "partner-audit", f"mfa:{SERIAL}"} <= names
    for entry in os.scandir(os.path.join(cache_dir, "sessions")):
        assert entry.stat().st_mode & 0o777 == 0o600
    trail_path = os.path.join(os.environ["ROLESWITCH_DATA_DIR"], "audit.jsonl")
    trail = open(trail_path).read()
    assert os.stat(trail_path).st_mode & 0o777 == 0o600
    for secret in (EXTERNAL_ID, "112233", "alice-secret-key", deploy.credentials.secret_access_key):
        assert secret not in trail
    lines = [json.loads(line) for line in trail.splitlines()]
    assert [line["api"] for line in lines] == ["GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole"]
    assert lines[-1]["reason"] == "AUD-12 quarterly review" and lines[-1]["profile"] == "partner-audit"

    # A second engine (another process) without a prompt: everything comes from the cache.
    engine2 = Engine(load_catalogue(), CredentialCache(), boto_session_factory=recorder)
    assert not engine2.needs_mfa_code("dev")
    assert engine2.obtain("deploy") == deploy
    with pytest.raises(MfaRequiredError):
        CredentialCache().forget(f"mfa:{SERIAL}")
        engine2.obtain("dev", AssumeOptions(use_cache=False))
