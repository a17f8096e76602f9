"""``roleswitch demo``: a complete, disposable AWS world to try roleswitch without an AWS account.

:func:`start_demo` starts moto's server on a free 127.0.0.1 port (in this process), seeds it with four
accounts (``acme-identity`` holding the IAM user ``alice`` and her virtual MFA device, ``acme-prod``,
``acme-staging`` and a third party's ``partner-audit``) and roles that show every feature (MFA, External
ID, ABAC on ``aws:PrincipalTag/dept``, role chaining, a risky trust policy, web identity), then writes an
AWS config, a credentials file and a roleswitch config.toml into a fresh temporary folder. ``DemoEnv.env``
points every tool at that folder and at moto, so ``~/.aws`` is never read or written. Leaving the context
stops the server and deletes the folder.

Honest limits (moto's, see roleswitch/demo/seed.py): trust policies, MFA codes, External IDs, session tags
and duration limits are not enforced by the local AWS; any 6-digit MFA code works. roleswitch's own
preflight validation still runs exactly as against AWS.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from roleswitch.demo import seed as _seed

__all__ = ["DemoEnv", "SCRUBBED_VARIABLES", "apply_env", "populate", "print_env", "run_shell", "start_demo"]

# Variables of the caller's shell that would override or confuse the demo's files.
SCRUBBED_VARIABLES: tuple[str, ...] = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_VAULT",
    "AWSUME_PROFILE",
    "ROLESWITCH_PROFILE",
)


@dataclass(frozen=True)
class DemoEnv:
    """A running demo: ``endpoint`` (moto URL), ``env`` (variables to set), ``root`` (its temp folder)."""

    endpoint: str
    root: str
    env: dict[str, str]
    accounts: dict[str, str]                    # alias -> account id
    role_arns: dict[str, str]                   # catalogue name -> role ARN
    user_arn: str
    mfa_serial: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    unset: tuple[str, ...] = SCRUBBED_VARIABLES

    @property
    def aws_config_file(self) -> str:
        return self.env["AWS_CONFIG_FILE"]

    @property
    def credentials_file(self) -> str:
        return self.env["AWS_SHARED_CREDENTIALS_FILE"]

    @property
    def settings_file(self) -> str:
        return self.env["ROLESWITCH_CONFIG"]


def apply_env(demo: DemoEnv, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the demo's variables set and the scrubbed ones
    (and any per-service ``AWS_ENDPOINT_URL_*``) removed: the environment for a subprocess in the demo."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if k not in demo.unset and not k.startswith("AWS_ENDPOINT_URL_")
    }
    env.update(demo.env)
    return env


def print_env(demo: DemoEnv, shell: str = "sh") -> str:
    """Shell code that points a shell at the demo: ``sh`` (bash, zsh, dash...) or ``fish`` syntax."""
    lines: list[str] = []
    if shell == "fish":
        lines += [f"set -e {name};" for name in demo.unset]
        lines += [f"set -gx {name} {_fish_quote(value)};" for name, value in sorted(demo.env.items())]
    else:
        lines.append("unset " + " ".join(demo.unset) + ";")
        lines += [f"export {name}={shlex.quote(value)};" for name, value in sorted(demo.env.items())]
    return "\n".join(lines) + "\n"


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_shell(demo: DemoEnv, shell: str | None = None) -> int:
    """Run an interactive shell (``$SHELL``, else bash/sh) inside the demo; return its exit status."""
    program = shell or os.environ.get("SHELL") or shutil.which("bash") or "/bin/sh"
    sys.stderr.write(banner(demo) + "Type `exit` to leave the demo (its files are then deleted).\n")
    sys.stderr.flush()
    return subprocess.call([program], env=apply_env(demo))


def banner(demo: DemoEnv) -> str:
    """A short human description of the running demo (no secrets)."""
    accounts = ", ".join(f"{alias} ({account_id})" for alias, account_id in demo.accounts.items())
    return (
        f"roleswitch demo: local AWS (moto) at {demo.endpoint}\n"
        f"  accounts: {accounts}\n"
        f"  user: {demo.user_arn}  MFA device: {demo.mfa_serial} (any 6-digit code works)\n"
        f"  roles: {', '.join(demo.role_arns)}\n"
        f"  files: {demo.root}\n"
    )


@contextmanager
def start_demo(*, port: int = 0, root: str | None = None, keep: bool = False) -> Iterator[DemoEnv]:
    """Start and seed a local AWS, write the demo's config files, yield a :class:`DemoEnv`; clean up on exit.

    ``port`` 0 picks a free one. ``root`` (must not exist or be empty) replaces the temporary folder;
    ``keep`` leaves the folder behind. moto's state is process-global: a demo resets any other moto server
    running in the same process. Raises OSError if the port is taken.
    """
    from moto.server import ThreadedMotoServer

    # moto's werkzeug logs every request to stderr, which would scribble over the TUI.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # A closed terminal (SIGHUP) or a kill (SIGTERM) must still clean up the demo's files and server.
    previous = _exit_on_signals()
    created_root = root is None
    folder = tempfile.mkdtemp(prefix="roleswitch-demo-") if root is None else root
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        host, real_port = server.get_host_and_port()
        endpoint = f"http://{host}:{real_port}"
        _reset(endpoint)
        yield populate(endpoint, folder)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
        if not keep:
            if created_root:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                for name in _FILES:
                    path = os.path.join(folder, name)
                    if os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                    elif os.path.exists(path):
                        os.unlink(path)


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _exit_on_signals() -> dict[int, Any]:
    """Turn SIGTERM and SIGHUP into SystemExit (so ``finally`` runs); return the handlers to restore."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous  # only the main thread may set handlers
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, _raise_exit)
    return previous


def populate(endpoint: str, root: str) -> DemoEnv:
    """Seed the demo's IAM into an already running (and empty) moto at ``endpoint`` and write the demo's
    files into the existing folder ``root``; no cleanup. For tests that share one moto server."""
    return _write_files(root, endpoint, _seed.seed(endpoint))


_FILES = ("aws-config", "aws-credentials", "config.toml", "ci-token.jwt", "idp-assertion.b64",
          "federation-policy.json", "cache", "data")


def _reset(endpoint: str) -> None:
    import urllib.request

    request = urllib.request.Request(endpoint + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _write(path: str, text: str, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _write_files(root: str, endpoint: str, seeded: _seed.SeedResult) -> DemoEnv:
    roles = _seed.ROLE_BY_NAME
    token_file = os.path.join(root, "ci-token.jwt")
    # A syntactically JWT-shaped, unsigned token: moto accepts any web identity token.
    _write(
        token_file,
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
        "eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.\n",
    )
    # What an IdP login tool would print (saml_assertion_command), kept in a file for the demo.
    assertion_file = os.path.join(root, "idp-assertion.b64")
    _write(assertion_file, _seed.saml_assertion(roles["SamlEngineer"].arn) + "\n")
    federation_policy = os.path.join(root, "federation-policy.json")
    _write(federation_policy, json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetObject"], "Resource": "*"}]}, indent=2) + "\n")
    aws_config = f"""\
# roleswitch demo: every profile below talks to a local AWS (moto) at {endpoint}.
# Nothing here can reach real AWS. This file is deleted when the demo ends.
[default]
region = {_seed.REGION}
output = json
s3 =
  max_concurrent_requests = 10

# alice's long-term keys are in the credentials file next to this one.
[profile acme-user]
region = {_seed.REGION}

# ABAC: the Developer role's policy keys on aws:PrincipalTag/dept (the role is tagged dept=platform).
[profile staging-dev]
role_arn = {roles["Developer"].arn}
source_profile = acme-user
region = {_seed.REGION}

# Role chaining: Deployer trusts only the Developer role, so STS caps this session at one hour.
[profile staging-deploy]
role_arn = {roles["Deployer"].arn}
source_profile = staging-dev
duration_seconds = 3600
region = {_seed.REGION}

# A third party's account: its trust policy requires this External ID.
[profile partner-audit]
role_arn = {roles["AcmeAuditReadOnly"].arn}
source_profile = acme-user
external_id = {_seed.PARTNER_EXTERNAL_ID}
region = eu-west-1

# Risky: this role trusts a vendor's whole account without an External ID, and Principal "*".
[profile staging-legacy]
role_arn = {roles["LegacyVendorAccess"].arn}
source_profile = acme-user
region = {_seed.REGION}

# GitHub Actions style OIDC (AssumeRoleWithWebIdentity).
[profile ci-deployer]
role_arn = {roles["CiDeployer"].arn}
web_identity_token_file = {token_file}
role_session_name = github-actions
region = {_seed.REGION}
"""
    credentials = f"""\
# roleswitch demo: alice's long-term keys in the local AWS only.
[acme-user]
aws_access_key_id = {seeded.access_key_id}
aws_secret_access_key = {seeded.secret_access_key}
"""
    accounts_toml = "".join(
        f'\n[accounts.{a.alias}]\nid = "{a.id}"\nenvironment = "{a.environment}"\ncolour = "{a.colour}"\n'
        for a in _seed.ACCOUNTS
    )
    settings = f"""\
# roleswitch demo config (the real one lives at ~/.config/roleswitch/config.toml).
favorites = ["staging-dev", "prod-readonly"]

[defaults]
region = "{_seed.REGION}"
duration_seconds = 3600
source_identity = true
{accounts_toml}
[roles.prod-admin]
account = "acme-prod"
role_name = "Admin"
source_profile = "acme-user"
mfa_serial = "{seeded.mfa_serial}"
duration_seconds = 3600
reason_required = true
tags = {{ team = "sre", "cost-centre" = "cc-4200" }}
transitive_tags = ["team"]
region = "eu-west-1"
description = "Production administrator: MFA, a reason for the audit trail, 1-hour sessions"

[roles.prod-readonly]
account = "acme-prod"
role_name = "ReadOnly"
source_profile = "acme-user"
mfa_serial = "{seeded.mfa_serial}"
duration_seconds = 43200
description = "Production read-only, 12-hour sessions; shares the MFA session with prod-admin"

[roles.staging-abac]
account = "acme-staging"
role_name = "Developer"
source_profile = "acme-user"
tags = {{ dept = "platform", team = "web" }}
transitive_tags = ["dept"]
description = "Developer with session tags: the policy keys on aws:PrincipalTag/dept"

[roles.staging-saml]
account = "acme-staging"
role_name = "SamlEngineer"
saml_provider_arn = "{_seed.SAML_PROVIDER_ARN}"
saml_assertion_file = {json.dumps(assertion_file)}
description = "Single sign-on through the corporate IdP (AssumeRoleWithSAML)"

[roles.identity-proxy]
account = "acme-identity"
federation_name = "alice-proxy"
source_profile = "acme-user"
policy_file = {json.dumps(federation_policy)}
duration_seconds = 129600
tags = {{ team = "sre" }}
description = "Federated user for a proxy app (GetFederationToken), scoped by a session policy, 36 h"
"""
    config_path = os.path.join(root, "aws-config")
    credentials_path = os.path.join(root, "aws-credentials")
    settings_path = os.path.join(root, "config.toml")
    _write(config_path, aws_config)
    _write(credentials_path, credentials)
    _write(settings_path, settings)
    cache_dir = os.path.join(root, "cache")
    data_dir = os.path.join(root, "data")
    os.makedirs(cache_dir, mode=0o700, exist_ok=True)
    os.makedirs(data_dir, mode=0o700, exist_ok=True)
    env = {
        "AWS_CONFIG_FILE": config_path,
        "AWS_SHARED_CREDENTIALS_FILE": credentials_path,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "ROLESWITCH_CONFIG": settings_path,
        "ROLESWITCH_CACHE_DIR": cache_dir,
        "ROLESWITCH_DATA_DIR": data_dir,
        "ROLESWITCH_DEMO": "1",
    }
    role_arns = {
        "prod-admin": roles["Admin"].arn,
        "prod-readonly": roles["ReadOnly"].arn,
        "staging-dev": roles["Developer"].arn,
        "staging-abac": roles["Developer"].arn,
        "staging-deploy": roles["Deployer"].arn,
        "partner-audit": roles["AcmeAuditReadOnly"].arn,
        "staging-legacy": roles["LegacyVendorAccess"].arn,
        "ci-deployer": roles["CiDeployer"].arn,
        "staging-saml": roles["SamlEngineer"].arn,
    }
    return DemoEnv(
        endpoint=endpoint,
        root=root,
        env=env,
        accounts=dict(_seed.ACCOUNT_IDS),
        role_arns=role_arns,
        user_arn=seeded.user_arn,
        mfa_serial=seeded.mfa_serial,
        access_key_id=seeded.access_key_id,
        secret_access_key=seeded.secret_access_key,
    )
