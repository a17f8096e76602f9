"""AWS error codes become one clear line with a hint. STS failures are produced with botocore's Stubber
(a stub: moto never returns AccessDenied, ExpiredToken, RegionDisabled...), on a real botocore client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions as bexc
import pytest
from botocore.stub import Stubber

from roleswitch.core import sts
from roleswitch.core.engine import shared_boto_session
from roleswitch.core.errors import StsError
from roleswitch.core.sts import AssumeRequest

ROLE = "arn:aws:iam::123456789012:role/Admin"
EXTERNAL_ID = "ext-s3cr3t-4711"
CODE = "135790"


@pytest.fixture
def stubbed_sts() -> Iterator[tuple[Any, Stubber]]:
    """A real STS client whose responses come from a botocore Stubber (stub, no network)."""
    client = shared_boto_session(aws_access_key_id="AKIAALICE000EXAMPLE1", aws_secret_access_key="x",
                                 region_name="us-east-1").client("sts")
    with Stubber(client) as stub:
        yield client, stub


def _fail(stub: Stubber, method: str, code: str, message: str, status: int = 403) -> None:
    stub.add_client_error(method, service_error_code=code, service_message=message, http_status_code=status)


def _request(**kw: Any) -> AssumeRequest:
    return AssumeRequest(role_arn=ROLE, session_name="alice@box", **kw)


def test_access_denied_on_assume_role_points_at_trust_policy_external_id_and_mfa(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role", "AccessDenied",
          f"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on {ROLE}")
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request(external_id=EXTERNAL_ID, tags=(("team", "sre"),)))
    line = exc.value.one_line()
    assert exc.value.code == "AccessDenied"
    assert line.startswith(f"AssumeRole {ROLE} failed: AccessDenied: User: arn:aws:iam::123456789012:user/alice")
    for needle in ("trust policy", "External ID must match", "MFA may be required", "sts:TagSession"):
        assert needle in line
    assert EXTERNAL_ID not in line and "\n" not in line


def test_access_denied_with_mfa_code_hints_the_code(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role", "AccessDenied", "MultiFactorAuthentication failed")
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request(mfa_serial="arn:aws:iam::123456789012:mfa/a", mfa_code=CODE,
                                         source_identity="alice"))
    line = exc.value.one_line()
    assert "the MFA code may be wrong or already used" in line
    assert "sts:SetSourceIdentity" in line
    assert CODE not in line


def test_wrong_mfa_code_on_get_session_token(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "get_session_token", "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one "
          "time pass code.")
    with pytest.raises(StsError) as exc:
        sts.get_session_token(client, duration_seconds=3600, mfa_serial="arn:aws:iam::123456789012:mfa/a",
                              mfa_code=CODE)
    assert "wait for the next code" in exc.value.one_line()
    assert CODE not in exc.value.one_line()


@pytest.mark.parametrize("code,status,hint", [
    ("ExpiredToken", 400, "source credentials have expired"),
    ("RegionDisabledException", 403, "activate it in IAM account settings"),
    ("InvalidClientTokenId", 403, "access key is unknown or deactivated"),
    ("SignatureDoesNotMatch", 403, "secret key is wrong"),
    ("PackedPolicyTooLarge", 400, "fewer or shorter tags"),
    ("MalformedPolicyDocument", 400, "not a valid IAM policy"),
])
def test_error_codes_map_to_one_line_with_hint(stubbed_sts: Any, code: str, status: int, hint: str) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role", code, f"message for {code}\nsecond line", status)
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request())
    assert exc.value.code == code
    assert hint in exc.value.one_line()
    assert f"failed: {code}: message for {code} second line" in exc.value.one_line()


def test_max_session_duration_validation_error_from_sts(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role", "ValidationError",
          "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request(duration_seconds=43200))
    assert "raise the role's maximum session duration" in exc.value.one_line()


def test_throttling_error_after_retries_is_clear(stubbed_sts: Any) -> None:
    # The Stubber bypasses botocore's retry loop: this checks the final mapping only (the retries
    # themselves are exercised over HTTP in tests/integration/test_sts_apis.py).
    client, stub = stubbed_sts
    _fail(stub, "assume_role", "Throttling", "Rate exceeded", 400)
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request())
    assert exc.value.code == "Throttling"
    assert "wait a minute and retry" in exc.value.one_line()


def test_web_identity_errors(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role_with_web_identity", "InvalidIdentityToken", "No OpenIDConnect provider found", 400)
    with pytest.raises(StsError) as exc:
        sts.assume_role_with_web_identity(client, role_arn=ROLE, web_identity_token="tok-secret-1234",
                                          session_name="ci")
    assert "check the token file" in exc.value.one_line()
    assert "tok-secret-1234" not in exc.value.one_line()


def test_secrets_echoed_by_aws_are_scrubbed(stubbed_sts: Any) -> None:
    client, stub = stubbed_sts
    _fail(stub, "assume_role", "AccessDenied", f"bad external id {EXTERNAL_ID}")
    with pytest.raises(StsError) as exc:
        sts.assume_role(client, _request(external_id=EXTERNAL_ID))
    assert EXTERNAL_ID not in exc.value.one_line() and "****" in exc.value.one_line()


@pytest.mark.parametrize("exc,code,needle", [
    (bexc.EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com"), "NoNetwork",
     "cannot reach STS at https://sts.us-east-1.amazonaws.com"),
    (bexc.NoCredentialsError(), "NoCredentials", "no source credentials were found"),
    (bexc.ProfileNotFound(profile="ghost"), "ProfileNotFound", "ghost"),
    (bexc.TokenRetrievalError(provider="sso", error_msg="expired"), "SSOExpired", "aws sso login"),
    (bexc.ReadTimeoutError(endpoint_url="https://x"), "Timeout", "did not answer in time"),
])
def test_botocore_exceptions_map(exc: Exception, code: str, needle: str) -> None:
    error = sts.error_from(exc, "AssumeRole", target=ROLE)
    assert error.code == code
    assert needle in error.one_line()
    assert error.exit_code == 4


def test_assume_request_repr_hides_secrets() -> None:
    request = _request(external_id=EXTERNAL_ID, mfa_serial="arn:aws:iam::123456789012:mfa/a", mfa_code=CODE)
    assert EXTERNAL_ID not in repr(request) and CODE not in repr(request)
    assert request.to_params()["ExternalId"] == EXTERNAL_ID
    assert request.to_params()["TokenCode"] == CODE
