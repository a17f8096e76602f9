"""The only module that calls STS: the five credential APIs, GetCallerIdentity, and error mapping.

Every function takes an already built client (injected), so tests can point it at a local moto server,
wrap it in a botocore Stubber, or record the exact parameters sent. Clients built by :func:`make_client`
retry throttling with botocore's ``standard`` mode (exponential backoff with jitter) and honour
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_STS`` like any boto3 client.

botocore failures become :class:`~roleswitch.core.errors.StsError` with one clear line and a hint; no
secret (keys, token, External ID, MFA code, SAML assertion, web identity token) is ever part of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions as bexc
from botocore.config import Config

from roleswitch.core.errors import StsError
from roleswitch.core.model import Credentials, parse_time

DEFAULT_STS_REGION = "us-east-1"
MAX_ATTEMPTS = 5  # botocore counts retries here: one call plus up to five retries

_THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
               "RequestThrottled", "RequestThrottledException", "SlowDown"}


def session_params(*, duration_seconds: int | None = None, policy: str | None = None,
                   policy_arns: Sequence[str] = (), tags: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """The optional parameters every STS credential call shares, in botocore's shape (only those set)."""
    params: dict[str, Any] = {}
    if duration_seconds is not None:
        params["DurationSeconds"] = duration_seconds
    if policy is not None:
        params["Policy"] = policy
    if policy_arns:
        params["PolicyArns"] = [{"arn": arn} for arn in policy_arns]
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags]
    return params


@dataclass(frozen=True)
class AssumeRequest:
    """Everything sent with one AssumeRole call. Secrets (External ID, MFA code) are hidden from repr."""

    role_arn: str
    session_name: str
    duration_seconds: int | None = None
    external_id: str | None = field(default=None, repr=False)
    mfa_serial: str | None = None
    mfa_code: str | None = field(default=None, repr=False)
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    policy: str | None = None  # minified JSON
    policy_arns: tuple[str, ...] = ()

    def to_params(self) -> dict[str, Any]:
        """The AssumeRole request parameters (only those that are set)."""
        params: dict[str, Any] = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name}
        params.update(session_params(duration_seconds=self.duration_seconds, policy=self.policy,
                                     policy_arns=self.policy_arns, tags=self.tags))
        if self.external_id is not None:
            params["ExternalId"] = self.external_id
        if self.mfa_serial is not None and self.mfa_code is not None:
            params["SerialNumber"] = self.mfa_serial
            params["TokenCode"] = self.mfa_code
        if self.transitive_tag_keys:
            params["TransitiveTagKeys"] = list(self.transitive_tag_keys)
        if self.source_identity is not None:
            params["SourceIdentity"] = self.source_identity
        return params


@dataclass(frozen=True)
class StsResult:
    """Temporary credentials and who they belong to."""

    credentials: Credentials
    assumed_arn: str | None = None
    account_id: str | None = None
    source_identity: str | None = None
    packed_policy_size: int | None = None


@dataclass(frozen=True)
class RoleInfo:
    """What IAM says about a role (read best effort)."""

    arn: str
    max_session_duration: int
    trust_policy: dict[str, Any]


def make_client(session: Any, service: str = "sts", *, region: str | None = None,
                unsigned: bool = False, max_attempts: int = MAX_ATTEMPTS) -> Any:
    """A client of ``service`` from a boto3 session, with standard retries (throttling backoff).

    ``unsigned`` builds a client that sends no credentials (AssumeRoleWithSAML / WithWebIdentity).
    """
    from botocore import UNSIGNED

    config = Config(retries={"mode": "standard", "max_attempts": max_attempts},
                    connect_timeout=5, read_timeout=15,
                    signature_version=UNSIGNED if unsigned else None)
    return session.client(service, region_name=region or DEFAULT_STS_REGION, config=config)


def utc_seconds(value: datetime | str | None) -> datetime | None:
    """An expiry as aware UTC with whole seconds (botocore gives tzlocal with microseconds; the cache
    stores whole seconds, so both forms must compare equal)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_time(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def _credentials(data: dict[str, Any]) -> Credentials:
    expiration = utc_seconds(data.get("Expiration"))
    return Credentials(access_key_id=data["AccessKeyId"], secret_access_key=data["SecretAccessKey"],
                       session_token=data.get("SessionToken"), expiration=expiration)


def account_of(arn: str | None) -> str | None:
    """The account id in an ARN (``arn:aws:sts::123456789012:assumed-role/...``), ``None`` if absent."""
    if not arn:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def _result(response: dict[str, Any], arn_key: str | None) -> StsResult:
    arn = response.get(arn_key, {}).get("Arn") if arn_key else None
    return StsResult(credentials=_credentials(response["Credentials"]), assumed_arn=arn,
                     account_id=account_of(arn), source_identity=response.get("SourceIdentity"),
                     packed_policy_size=response.get("PackedPolicySize"))


_HINTS: dict[str, str] = {
    "ExpiredToken": "the source credentials have expired: refresh the source profile "
                    "(aws sso login, a new MFA code, or `roleswitch forget`)",
    "ExpiredTokenException": "the token has expired: get a fresh one from the identity provider",
    "RegionDisabledException": "STS is not activated in this region for the account: activate it in IAM "
                               "account settings or use another region (--region)",
    "InvalidClientTokenId": "the source access key is unknown or deactivated: check the source profile's keys",
    "UnrecognizedClientException": "the source access key is unknown: check the source profile's keys",
    "SignatureDoesNotMatch": "the source secret key is wrong for its access key: check the source profile",
    "MalformedPolicyDocument": "the session policy is not a valid IAM policy",
    "PackedPolicyTooLarge": "session tags plus session policies are too large once packed: use fewer or "
                            "shorter tags, or fewer policies",
    "IDPRejectedClaim": "the identity provider's token or assertion was rejected: check the role's trust "
                        "policy conditions (aud, sub, SAML:aud)",
    "InvalidIdentityToken": "the web identity token is not valid for this provider: check the token file",
    "IDPCommunicationError": "STS could not reach the identity provider to verify the token; retry later",
    "InvalidAuthorizationMessageException": "the message is not an encoded authorization message",
}


def _access_denied_hint(api: str, *, sent: dict[str, Any]) -> str:
    if api == "GetSessionToken":
        return ("the MFA code was wrong or already used, or the serial is not this user's device: "
                "wait for the next code")
    if api == "AssumeRole":
        checks = ["the role's trust policy must allow your identity"]
        if "ExternalId" in sent:
            checks.append("the External ID must match the trust policy's sts:ExternalId")
        else:
            checks.append("the trust policy may require an External ID")
        checks.append("MFA may be required (aws:MultiFactorAuthPresent)" if "SerialNumber" not in sent
                      else "the MFA code may be wrong or already used")
        if "Tags" in sent or "TransitiveTagKeys" in sent:
            checks.append("tags need sts:TagSession in the trust policy")
        if "SourceIdentity" in sent:
            checks.append("SourceIdentity needs sts:SetSourceIdentity")
        checks.append("your identity needs sts:AssumeRole on the role")
        return "; ".join(checks)
    if api == "GetFederationToken":
        return "GetFederationToken needs long-term IAM user keys and sts:GetFederationToken"
    return "check the role's trust policy"


def _clean(text: str, secrets: Sequence[str | None]) -> str:
    """One line, bounded, with any secret we sent replaced (AWS messages never should contain them)."""
    text = " ".join(str(text).split())
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "****")
    return text[:300]


def error_from(exc: BaseException, api: str, *, target: str | None = None,
               sent: dict[str, Any] | None = None, secrets: Sequence[str | None] = ()) -> StsError:
    """Translate a botocore exception from ``api`` into one clear StsError (message + hint + code)."""
    sent = sent or {}
    subject = f"{api} {target}" if target else api
    if isinstance(exc, bexc.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        detail = _clean(error.get("Message") or "", secrets)
        message = f"{subject} failed: {code}" + (f": {detail}" if detail else "")
        if code in ("AccessDenied", "AccessDeniedException"):
            hint = _access_denied_hint(api, sent=sent)
        elif code in _THROTTLING:
            message = f"{subject} failed: {code} (AWS throttled the call; still throttled after retries)"
            hint = "wait a minute and retry; lots of parallel calls share one rate limit"
        elif code == "ValidationError" and "MaxSessionDuration" in detail:
            hint = "ask for a shorter duration or raise the role's maximum session duration"
        else:
            hint = _HINTS.get(code)
        return StsError(message, code=code, hint=hint)
    if isinstance(exc, bexc.EndpointConnectionError | bexc.ConnectTimeoutError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return StsError(f"{subject} failed: cannot reach STS{' at ' + url if url else ''}", code="NoNetwork",
                        hint="check the network, proxy settings or AWS_ENDPOINT_URL")
    if isinstance(exc, bexc.ReadTimeoutError):
        return StsError(f"{subject} failed: STS did not answer in time", code="Timeout",
                        hint="check the network or retry")
    if isinstance(exc, bexc.NoCredentialsError | bexc.PartialCredentialsError):
        return StsError(f"{subject} failed: no source credentials were found", code="NoCredentials",
                        hint="set the source profile's keys, source_profile, or credential_source")
    if isinstance(exc, bexc.ProfileNotFound):
        return StsError(f"{subject} failed: {exc}", code="ProfileNotFound",
                        hint="check AWS_PROFILE and the profile names in ~/.aws/config")
    if isinstance(exc, bexc.SSOError | bexc.TokenRetrievalError | bexc.UnauthorizedSSOTokenError):
        return StsError(f"{subject} failed: the SSO session is missing or expired", code="SSOExpired",
                        hint="run `aws sso login` for the source profile")
    if isinstance(exc, bexc.CredentialRetrievalError):
        return StsError(f"{subject} failed: {_clean(str(exc), secrets)}", code="CredentialProcess",
                        hint="the profile's credential_process (or credential source) failed")
    if isinstance(exc, bexc.ParamValidationError):
        return StsError(f"{subject} failed: {_clean(str(exc), secrets)}", code="ParamValidation")
    if isinstance(exc, bexc.BotoCoreError):
        return StsError(f"{subject} failed: {_clean(str(exc), secrets)}", code=type(exc).__name__)
    return StsError(f"{subject} failed: {type(exc).__name__}", code=type(exc).__name__)


@contextmanager
def _mapped(api: str, *, target: str | None = None, sent: dict[str, Any] | None = None,
            secrets: Sequence[str | None] = ()) -> Iterator[None]:
    try:
        yield
    except (bexc.BotoCoreError, bexc.ClientError) as exc:
        raise error_from(exc, api, target=target, sent=sent, secrets=secrets) from None


def assume_role(client: Any, req: AssumeRequest) -> StsResult:
    """Call AssumeRole with every parameter of ``req``. Raises StsError."""
    params = req.to_params()
    with _mapped("AssumeRole", target=req.role_arn, sent=params, secrets=(req.external_id, req.mfa_code)):
        response = client.assume_role(**params)
    return _result(response, "AssumedRoleUser")


def get_session_token(client: Any, *, duration_seconds: int | None = None, mfa_serial: str | None = None,
                      mfa_code: str | None = None) -> StsResult:
    """Call GetSessionToken (with MFA when both serial and code are given). Raises StsError."""
    params: dict[str, Any] = {}
    if duration_seconds is not None:
        params["DurationSeconds"] = duration_seconds
    if mfa_serial and mfa_code:
        params["SerialNumber"] = mfa_serial
        params["TokenCode"] = mfa_code
    with _mapped("GetSessionToken", target=mfa_serial, sent=params, secrets=(mfa_code,)):
        response = client.get_session_token(**params)
    return _result(response, None)


def get_federation_token(client: Any, *, name: str, duration_seconds: int | None = None,
                         policy: str | None = None, policy_arns: Sequence[str] = (),
                         tags: Sequence[tuple[str, str]] = ()) -> StsResult:
    """Call GetFederationToken (long-term IAM user keys only). Raises StsError."""
    params: dict[str, Any] = {"Name": name, **session_params(
        duration_seconds=duration_seconds, policy=policy, policy_arns=policy_arns, tags=tags)}
    with _mapped("GetFederationToken", target=name, sent=params):
        response = client.get_federation_token(**params)
    return _result(response, "FederatedUser")


def assume_role_with_saml(client: Any, *, role_arn: str, principal_arn: str, saml_assertion: str,
                          duration_seconds: int | None = None, policy: str | None = None,
                          policy_arns: Sequence[str] = ()) -> StsResult:
    """Call AssumeRoleWithSAML (use an unsigned client: the assertion is the credential). Raises StsError."""
    params: dict[str, Any] = {"RoleArn": role_arn, "PrincipalArn": principal_arn,
                              "SAMLAssertion": saml_assertion, **session_params(
                                  duration_seconds=duration_seconds, policy=policy, policy_arns=policy_arns)}
    with _mapped("AssumeRoleWithSAML", target=role_arn, sent=params, secrets=(saml_assertion,)):
        response = client.assume_role_with_saml(**params)
    return _result(response, "AssumedRoleUser")


def assume_role_with_web_identity(client: Any, *, role_arn: str, web_identity_token: str, session_name: str,
                                  duration_seconds: int | None = None, policy: str | None = None,
                                  policy_arns: Sequence[str] = (),
                                  provider_id: str | None = None) -> StsResult:
    """Call AssumeRoleWithWebIdentity (unsigned client: the token is the credential). Raises StsError."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name,
                              "WebIdentityToken": web_identity_token, **session_params(
                                  duration_seconds=duration_seconds, policy=policy, policy_arns=policy_arns)}
    if provider_id:
        params["ProviderId"] = provider_id
    with _mapped("AssumeRoleWithWebIdentity", target=role_arn, sent=params, secrets=(web_identity_token,)):
        response = client.assume_role_with_web_identity(**params)
    return _result(response, "AssumedRoleUser")


def get_caller_identity(client: Any) -> dict[str, str]:
    """GetCallerIdentity: ``{"UserId", "Account", "Arn"}``. Raises StsError."""
    with _mapped("GetCallerIdentity"):
        response = client.get_caller_identity()
    return {k: str(response[k]) for k in ("UserId", "Account", "Arn") if k in response}


def read_role_limits(iam_client: Any, role_arn: str) -> RoleInfo | None:
    """iam:GetRole for the role's MaxSessionDuration and trust policy; ``None`` when it cannot be read
    (no permission, other account, no network): callers treat the limit as unknown. Never raises."""
    name = role_arn.rsplit("/", 1)[-1]
    try:
        role = iam_client.get_role(RoleName=name)["Role"]
    except Exception:  # best effort by contract: any failure means "unknown"
        return None
    if role.get("Arn") and role["Arn"] != role_arn:
        return None  # same name, different role (path or account differs): not ours to judge
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):
        from urllib.parse import unquote

        try:
            document = json.loads(unquote(document))
        except ValueError:
            document = {}
    return RoleInfo(arn=role.get("Arn", role_arn), max_session_duration=int(role.get("MaxSessionDuration", 3600)),
                    trust_policy=document)
