"""Support code of the TUI tests: an injectable clock, a catalogue built from Role objects (a test double of
core.catalogue), fake sessions for display tests, and a recorder of every STS call's parameters (moto
ignores MFA, tags and the rest, so the tests assert what was sent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from roleswitch.core.errors import NotFoundError
from roleswitch.core.model import Account, AwsProfile, Credentials, ProfileKind, Role, Session, StsApi

FIXED_NOW = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/alice"
PROD = Account("111111111111", "acme-prod", "prod")
STAGING = Account("222222222222", "acme-staging", "staging")
DEV = Account("333333333333", "acme-dev", "dev")


class MutableClock:
    """The injected clock: starts at ``start`` and moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class Settings:
    """Stand-in for core.settings.Settings (only what the app reads)."""

    favorites: tuple[str, ...] = ()
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    defaults: Any = None


class RoleCatalogue:
    """Test double of core.catalogue.Catalogue: roles and AWS profiles given directly."""

    def __init__(self, roles: list[Role], profiles: dict[str, AwsProfile] | None = None,
                 settings: Settings | None = None) -> None:
        self.roles = tuple(roles)
        self.profiles = profiles or {}
        self.settings = settings or Settings()
        self.sso_sessions: dict[str, dict[str, str]] = {}

    def get(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise NotFoundError(f"no profile or role named {name!r}")

    def names(self) -> list[str]:
        return [role.name for role in self.roles]


def sample_roles() -> list[Role]:
    return [
        Role("prod-admin", "roleswitch", ProfileKind.ROLE, role_arn="arn:aws:iam::111111111111:role/Admin",
             account=PROD, source_profile="base", mfa_serial=MFA_SERIAL, reason_required=True,
             session_tags=(("team", "sre"),), transitive_tag_keys=("team",), external_id="ext-secret-42"),
        Role("prod-readonly", "roleswitch", ProfileKind.ROLE,
             role_arn="arn:aws:iam::111111111111:role/ReadOnly", account=PROD, source_profile="base"),
        Role("staging-dev", "aws", ProfileKind.ROLE, role_arn="arn:aws:iam::222222222222:role/Dev",
             account=STAGING, source_profile="base"),
        Role("dev-chained", "aws", ProfileKind.ROLE, role_arn="arn:aws:iam::333333333333:role/Deploy",
             account=DEV, source_profile="staging-dev", chained=True),
        Role("broken-source", "aws", ProfileKind.ROLE, role_arn="arn:aws:iam::333333333333:role/Nope",
             account=DEV, source_profile="does-not-exist"),
    ]


def base_profiles(access_key: str, secret_key: str) -> dict[str, AwsProfile]:
    return {"base": AwsProfile("base", ProfileKind.STATIC,
                               {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key,
                                "region": "us-east-1"})}


def fake_session(name: str, expires: datetime, *, account: str = "111111111111") -> Session:
    """A session object for display tests (no AWS involved); the secrets are obviously fake."""
    creds = Credentials("ASIAFAKEKEYFORTESTS1", "fake-secret-value-never-shown",
                        "fake-session-token-never-shown", expires)
    return Session(profile=name, credentials=creds, api=StsApi.ASSUME_ROLE,
                   role_arn=f"arn:aws:iam::{account}:role/{name}", account_id=account, region="us-east-1",
                   session_name="alice@host", created=expires - timedelta(hours=1))


@dataclass
class StsRecorder:
    """Every STS/IAM call the engine made: (operation, parameters) as the client received them."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def factory(self) -> Callable[..., Any]:
        def make_session(**kwargs: Any) -> Any:
            import boto3

            session = boto3.Session(**kwargs)

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                self.calls.append((model.name, dict(params)))

            session.events.register("provide-client-params.sts.*", record)
            return session

        return make_session

    def ops(self) -> list[str]:
        return [name for name, _ in self.calls]

    def last(self, operation: str) -> dict[str, Any]:
        return [params for name, params in self.calls if name == operation][-1]


