"""core/sts.py's five STS APIs over HTTP against moto, unsigned calls, throttling retries, no network."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse

from roleswitch.core import sts
from roleswitch.core.errors import StsError
from roleswitch.core.sts import AssumeRequest
from roleswitch.demo.seed import saml_assertion

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admin"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"


@pytest.fixture
def session(aws_env: Any) -> boto3.Session:
    return boto3.Session(aws_access_key_id="AKIAALICE000EXAMPLE1", aws_secret_access_key="alice-secret",
                         region_name="us-east-1")


def _capture(client: Any) -> list[dict[str, str]]:
    sent: list[dict[str, str]] = []
    client.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))
    return sent


def test_make_client_uses_standard_retries_and_the_local_endpoint(session: boto3.Session, aws_env: Any) -> None:
    client = sts.make_client(session, region=None)
    assert client.meta.region_name == "us-east-1"  # STS default region
    assert client.meta.endpoint_url == aws_env.endpoint  # AWS_ENDPOINT_URL honoured
    # botocore's max_attempts counts retries: 1 call + 5 retries.
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": sts.MAX_ATTEMPTS + 1}


def test_endpoint_url_sts_overrides(session: boto3.Session, aws_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail if used
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws_env.endpoint)
    client = sts.make_client(boto3.Session(aws_access_key_id="AKIAALICE000EXAMPLE1",
                                           aws_secret_access_key="x"), region="eu-west-1")
    assert sts.get_caller_identity(client)["Account"] == ACCOUNT


def test_assume_role_then_caller_identity_shows_assumed_role(session: boto3.Session) -> None:
    client = sts.make_client(session)
    result = sts.assume_role(client, AssumeRequest(role_arn=ROLE, session_name="alice@box", duration_seconds=900))
    assert result.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@box"
    assert result.account_id == ACCOUNT
    assert result.credentials.is_temporary and result.credentials.expiration is not None
    assert result.credentials.expiration.microsecond == 0 and result.credentials.expiration.utcoffset() is not None
    assumed = boto3.Session(aws_access_key_id=result.credentials.access_key_id,
                            aws_secret_access_key=result.credentials.secret_access_key,
                            aws_session_token=result.credentials.session_token)
    assert sts.get_caller_identity(sts.make_client(assumed))["Arn"] == result.assumed_arn


def test_get_session_token_and_federation_token(session: boto3.Session) -> None:
    client = sts.make_client(session)
    token = sts.get_session_token(client, duration_seconds=3600, mfa_serial=f"arn:aws:iam::{ACCOUNT}:mfa/a",
                                  mfa_code="123456")
    assert token.credentials.is_temporary and token.assumed_arn is None
    fed = sts.get_federation_token(client, name="proxy-user", duration_seconds=3600,
                                   policy='{"Version":"2012-10-17","Statement":[]}', tags=[("team", "sre")])
    assert fed.assumed_arn is not None and fed.assumed_arn.endswith("federated-user/proxy-user")
    assert fed.credentials.is_temporary




def test_assume_role_with_saml_is_unsigned(aws_env: Any) -> None:
    # No credentials at all: the assertion is the credential, the request carries no signature.
    client = sts.make_client(boto3.Session(), unsigned=True)
    sent = _capture(client)
    result = sts.assume_role_with_saml(client, role_arn=ROLE, principal_arn=PROVIDER,
                                       saml_assertion=saml_assertion(ROLE, PROVIDER, "alice@idp"),
                                       duration_seconds=900)
    assert result.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@idp"
    assert "Authorization" not in sent[-1]


def test_assume_role_with_web_identity_is_unsigned(aws_env: Any) -> None:
    client = sts.make_client(boto3.Session(), unsigned=True)
    sent = _capture(client)
    result = sts.assume_role_with_web_identity(client, role_arn=ROLE, web_identity_token="oidc-token-1234",
                                               session_name="ci-run")
    assert result.assumed_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/ci-run"
    assert "Authorization" not in sent[-1]


def test_read_role_limits_best_effort(session: boto3.Session) -> None:
    iam = sts.make_client(session, "iam")
    assert sts.read_role_limits(iam, ROLE) is None  # no such role: unknown, never an error
    iam.create_role(RoleName="Admin", MaxSessionDuration=7200,
                    AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    info = sts.read_role_limits(iam, ROLE)
    assert info is not None and info.max_session_duration == 7200
    assert info.trust_policy == {"Version": "2012-10-17", "Statement": []}
    assert sts.read_role_limits(iam, f"arn:aws:iam::{ACCOUNT}:role/other/path/Admin") is None


def _throttled(operation: str) -> AWSResponse:
    body = (f'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded'
            f' for {operation}</Message></Error><RequestId>1</RequestId></ErrorResponse>').encode()
    raw = SimpleNamespace(stream=lambda **_: iter([body]))
    return AWSResponse("http://stand-in", 400, {}, raw)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry sleeps, recorded instead of slept (keeps the test fast; proves the backoff)."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=delays.append,
                                                                   time=__import__("time").time))
    return delays


def test_throttling_is_retried_with_backoff(session: boto3.Session, sleeps: list[float]) -> None:
    client = sts.make_client(session)
    attempts: list[int] = []

    def throttle_twice(request: Any, **_: Any) -> AWSResponse | None:
        # Test double in front of moto: the first two sends are answered "Throttling", then moto answers.
        attempts.append(1)
        return _throttled("AssumeRole") if len(attempts) <= 2 else None

    client.meta.events.register("before-send.sts.AssumeRole", throttle_twice)
    result = sts.assume_role(client, AssumeRequest(role_arn=ROLE, session_name="retry"))
    assert result.assumed_arn is not None
    assert len(attempts) == 3
    assert len(sleeps) == 2 and all(0 <= d <= 20 for d in sleeps)


def test_persistent_throttling_becomes_one_clear_error(session: boto3.Session, sleeps: list[float]) -> None:
    client = sts.make_client(session)
    attempts: list[int] = []
    client.meta.events.register("before-send.sts.AssumeRole",
                                lambda **_: attempts.append(1) or _throttled("AssumeRole"))
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, AssumeRequest(role_arn=ROLE, session_name="retry"))
    assert len(attempts) == sts.MAX_ATTEMPTS + 1 and len(sleeps) == sts.MAX_ATTEMPTS
    assert exc.value.code == "Throttling"
    assert "still throttled after retries" in exc.value.one_line()
    assert "\n" not in exc.value.one_line()


def test_no_network_is_one_clear_error(sleeps: list[float], aws_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    client = sts.make_client(boto3.Session(aws_access_key_id="AKIAALICE000EXAMPLE1",
                                           aws_secret_access_key="alice-secret"))
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, AssumeRequest(role_arn=ROLE, session_name="offline", external_id="ext-s3cr3t"))
    assert exc.value.code == "NoNetwork"
    assert f"cannot reach STS at http://127.0.0.1:{port}" in exc.value.one_line()
    assert "check the network" in exc.value.one_line()
    assert "ext-s3cr3t" not in exc.value.one_line()
