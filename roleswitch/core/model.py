"""The data of roleswitch: frozen dataclasses, no I/O.

Secrets (secret key, session token, External ID, MFA code) are excluded from ``repr`` so that a log line,
a traceback or a snapshot can never show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The one clock. Everything that needs the time takes a ``now: Clock`` defaulting to this."""
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` or offset) into an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """ISO 8601 UTC with a ``Z`` suffix and whole seconds, the form AWS tools expect."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ProfileKind(StrEnum):
    """How a profile gets its credentials: every kind botocore understands, plus the two STS APIs only
    roleswitch's own config can describe (SAML and FEDERATION never come from ``~/.aws/config``)."""

    STATIC = "static"              # aws_access_key_id / aws_secret_access_key
    ROLE = "role"                  # role_arn + source_profile or credential_source
    SSO = "sso"                    # sso_session or legacy sso_start_url
    PROCESS = "process"            # credential_process
    WEB_IDENTITY = "web_identity"  # role_arn + web_identity_token_file
    OTHER = "other"                # only settings (region, output...) or nothing usable
    SAML = "saml"                  # role_arn + saml_provider_arn: AssumeRoleWithSAML (config.toml only)
    FEDERATION = "federation"      # federation_name + source_profile: GetFederationToken (config.toml only)


class StsApi(StrEnum):
    """The STS API that produced a session."""

    ASSUME_ROLE = "AssumeRole"
    ASSUME_ROLE_WITH_SAML = "AssumeRoleWithSAML"
    ASSUME_ROLE_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"
    GET_SESSION_TOKEN = "GetSessionToken"
    GET_FEDERATION_TOKEN = "GetFederationToken"
    STATIC = "Static"  # long-term keys passed through


@dataclass(frozen=True)
class Credentials:
    """AWS credentials. ``expiration`` is aware UTC, ``None`` for long-term keys."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    @property
    def is_temporary(self) -> bool:
        return self.session_token is not None

    def seconds_left(self, now: datetime) -> float | None:
        """Seconds until expiry (negative once expired), ``None`` when they never expire."""
        if self.expiration is None:
            return None
        return (self.expiration - now).total_seconds()

    def expires_within(self, now: datetime, margin_seconds: float) -> bool:
        """True when the credentials expire within ``margin_seconds`` of ``now`` (or already have)."""
        left = self.seconds_left(now)
        return left is not None and left <= margin_seconds

    def to_dict(self) -> dict[str, str | None]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": format_time(self.expiration) if self.expiration else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Credentials:
        expiration = data.get("Expiration")
        return cls(
            access_key_id=str(data["AccessKeyId"]),
            secret_access_key=str(data["SecretAccessKey"]),
            session_token=data.get("SessionToken"),
            expiration=parse_time(expiration) if expiration else None,
        )


@dataclass(frozen=True)
class AwsProfile:
    """One profile from ``~/.aws/config`` merged with ``~/.aws/credentials``.

    ``values`` holds every top-level key (sub-sections such as ``s3 =`` as their raw text); secret keys are
    kept out of ``repr``.
    """

    name: str
    kind: ProfileKind
    values: dict[str, str] = field(repr=False, default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    @property
    def role_arn(self) -> str | None:
        return self.values.get("role_arn")

    @property
    def source_profile(self) -> str | None:
        return self.values.get("source_profile")

    @property
    def mfa_serial(self) -> str | None:
        return self.values.get("mfa_serial")

    @property
    def region(self) -> str | None:
        return self.values.get("region")

    @property
    def has_static_keys(self) -> bool:
        return bool(self.values.get("aws_access_key_id") and self.values.get("aws_secret_access_key"))


@dataclass(frozen=True)
class Account:
    """An AWS account as the user labels it in roleswitch's config."""

    id: str
    alias: str | None = None
    environment: str | None = None  # e.g. prod, staging, dev
    colour: str | None = None


@dataclass(frozen=True)
class Role:
    """One catalogue entry: something roleswitch can get credentials for.

    Built from an AWS profile (``origin="aws"``) or from roleswitch's TOML (``origin="roleswitch"``).
    ``name`` is stable and usable on the command line. For a profile of static keys or an MFA-only user
    ``role_arn`` is ``None`` and the session comes from GetSessionToken (or the keys themselves).
    """

    name: str
    origin: str  # "aws" | "roleswitch"
    kind: ProfileKind
    role_arn: str | None = None
    account: Account | None = None
    source_profile: str | None = None
    credential_source: str | None = None
    mfa_serial: str | None = None
    external_id: str | None = field(default=None, repr=False)
    duration_seconds: int | None = None
    role_session_name: str | None = None
    source_identity: str | None = None
    region: str | None = None
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    policy_arns: tuple[str, ...] = ()
    policy_file: str | None = None
    reason_required: bool = False
    favorite: bool = False
    chained: bool = False  # the source profile is itself a role: STS caps the session at 1 hour
    web_identity_token_file: str | None = None
    description: str | None = None
    saml_provider_arn: str | None = None       # kind SAML: the IAM SAML provider (PrincipalArn)
    saml_assertion_file: str | None = None     # kind SAML: a file holding the base64 assertion
    saml_assertion_command: str | None = None  # kind SAML: a command printing it (run without a shell)
    federation_name: str | None = None         # kind FEDERATION: GetFederationToken Name

    @property
    def account_id(self) -> str | None:
        if self.account is not None:
            return self.account.id
        if self.role_arn and self.role_arn.count(":") >= 5:
            return self.role_arn.split(":")[4] or None
        return None

    @property
    def role_name(self) -> str | None:
        if not self.role_arn or ":role/" not in self.role_arn:
            return None
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def needs_mfa(self) -> bool:
        return self.mfa_serial is not None


@dataclass(frozen=True)
class Session:
    """A live (or cached) set of temporary credentials and what produced them."""

    profile: str                      # catalogue name it was obtained for
    credentials: Credentials
    api: StsApi = StsApi.ASSUME_ROLE
    role_arn: str | None = None
    assumed_arn: str | None = None    # e.g. arn:aws:sts::123:assumed-role/Name/session
    account_id: str | None = None
    region: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    created: datetime | None = None

    @property
    def expiration(self) -> datetime | None:
        return self.credentials.expiration
