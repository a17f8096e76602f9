"""Engine pieces the TUI shows: the account of an MFA (GetSessionToken) session and the role's own
MaxSessionDuration (Engine.role_max_session), against a real local AWS (moto over HTTP).

moto ignores MFA, so these assert what the engine records and which calls it makes (botocore
``before-parameter-build`` hooks on the real boto3 sessions the engine creates)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from roleswitch.core.cache import CredentialCache
from roleswitch.core.engine import AssumeOptions, Engine, mfa_serial_account, shared_boto_session
from roleswitch.core.errors import NotFoundError
from roleswitch.core.model import Account, AwsProfile, ProfileKind, Role, StsApi

ROLE_ACCOUNT = "123456789012"  # moto's default account: where the roles live
USER_ACCOUNT = "333333333333"  # the identity account holding alice and her MFA device
SERIAL = f"arn:aws:iam::{USER_ACCOUNT}:mfa/alice"
KEY, SECRET = "AKIAALICE000EXAMPLE9", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE9"


class Catalogue:
    def __init__(self, roles: list[Role], profiles: list[AwsProfile]) -> None:
        self.roles = {r.name: r for r in roles}
        self.profiles = {p.name: p for p in profiles}
        self.settings = None

    def get(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise NotFoundError(f"no profile or role named {name!r}") from None


class Calls:
    """boto_session_factory recording every STS/IAM operation the engine's real sessions make."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def __call__(self, **kwargs: Any) -> Any:
        session = shared_boto_session(**kwargs)
        record = lambda model, **_: self.ops.append(model.name)  # noqa: E731
        session.events.register("before-parameter-build.sts", record)
        session.events.register("before-parameter-build.iam", record)
        return session


@pytest.fixture
def world(aws_env: Any, tmp_path: Any) -> tuple[Engine, Calls]:
    iam = boto3.client("iam", region_name="us-east-1")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{USER_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=trust, MaxSessionDuration=14400)
    iam.create_role(RoleName="Deploy", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)
    user = Role(name="alice", origin="aws", kind=ProfileKind.STATIC)
    profile = AwsProfile("alice", ProfileKind.STATIC, {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET})
    prod = Account(ROLE_ACCOUNT, "acme-prod", "prod")
    roles = [user,
             Role(name="prod-admin", origin="roleswitch", kind=ProfileKind.ROLE, account=prod,
                  role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/Admin", source_profile="alice", mfa_serial=SERIAL),
             Role(name="deploy", origin="roleswitch", kind=ProfileKind.ROLE, chained=True,
                  role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/Deploy", source_profile="prod-admin"),
             Role(name="ghost", origin="roleswitch", kind=ProfileKind.ROLE,
                  role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/Ghost", source_profile="alice")]
    calls = Calls()
    engine = Engine(Catalogue(roles, [profile]), CredentialCache(str(tmp_path / "cache")),
                    boto_session_factory=calls)
    return engine, calls


def test_mfa_session_account_is_the_users_not_the_roles(world: tuple[Engine, Calls]) -> None:
    engine, calls = world
    session = engine.obtain("prod-admin", AssumeOptions(mfa_code="123456"))
    assert session.account_id == ROLE_ACCOUNT
    mfa = [e.session for e in engine.cache.entries() if e.session.api is StsApi.GET_SESSION_TOKEN]
    assert len(mfa) == 1 and mfa[0].profile == f"mfa:{SERIAL}"
    assert mfa[0].account_id == USER_ACCOUNT  # the MFA device's (the user's) account
    assert calls.ops == ["GetSessionToken", "AssumeRole"]


def test_mfa_serial_account() -> None:
    assert mfa_serial_account(SERIAL) == USER_ACCOUNT
    assert mfa_serial_account("arn:aws-us-gov:iam::111111111111:mfa/bob") == "111111111111"
    assert mfa_serial_account("GAHT12345678") is None  # hardware token: no account in it
    assert mfa_serial_account("arn:aws:iam::nope:mfa/x") is None


def test_role_max_session_reads_iam_once_with_quiet_credentials(world: tuple[Engine, Calls]) -> None:
    engine, calls = world
    assert engine.role_max_session("prod-admin") == 14400  # long-term keys of the source: no MFA code asked
    assert engine.role_max_session(engine.catalogue.get("prod-admin")) == 14400
    assert calls.ops == ["GetRole"]  # remembered per ARN; no STS call at all
    assert engine.role_max_session("alice") is None  # not a role
    assert engine.role_max_session("ghost") is None  # GetRole fails: unknown, never an error
    assert engine.role_max_session("no-such-role") is None


def test_role_max_session_of_a_chained_role_needs_the_cached_source_session(world: tuple[Engine, Calls]) -> None:
    engine, calls = world
    assert engine.role_max_session("deploy") is None  # the source role is not assumed just to read a limit
    assert calls.ops == []
    engine.obtain("prod-admin", AssumeOptions(mfa_code="123456"))
    assert engine.role_max_session("deploy") == 7200  # now read with the cached prod-admin session
    assert calls.ops == ["GetSessionToken", "AssumeRole", "GetRole"]
