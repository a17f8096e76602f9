"""Shared fixtures: one local AWS (moto over HTTP) per session, an isolated AWS/roleswitch environment per
test, and a helper that runs the real ``roleswitch`` command line in a subprocess.

Fixtures
- ``moto_endpoint`` (session): starts ``moto.server.ThreadedMotoServer`` on 127.0.0.1 (a free port chosen
  by the OS) and yields its URL. No reset: use it from module/session-scoped fixtures.
- ``moto_server`` (function): the same URL, with moto's state wiped (``POST /moto-api/reset``) before the
  test. Mark a test ``@pytest.mark.moto_keep`` to skip the wipe (e.g. after a module-scoped seed).
- ``moto_managed_policies`` (function): like ``moto_server`` but AWS managed policies are loaded
  (``MOTO_IAM_LOAD_MANAGED_POLICIES``; costs ~0.3 s per account touched, so only where needed).
- ``isolated_env`` (function): HOME, XDG dirs, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
  ROLESWITCH_CONFIG, ROLESWITCH_CACHE_DIR, ROLESWITCH_DATA_DIR all under ``tmp_path``; every real AWS
  credential/profile variable removed. No AWS endpoint.
- ``aws_env`` (function): ``isolated_env`` + ``AWS_ENDPOINT_URL`` at a freshly reset moto, region
  us-east-1, and fake static keys in ``[default]`` of the credentials file.
- ``run_cli`` (fixture returning :func:`run_cli`): ``run_cli("export", "p", input=None, env=None)``.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

# Fake, well-known documentation keys: they look real to every SDK and are worthless anywhere.
FAKE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
REPO_ROOT = Path(__file__).resolve().parent.parent

# tests/bench holds benchmarks (run by `python tests/bench/run.py`), never tests: not even when named.
collect_ignore_glob = ["bench/*"]

# Variables that would let a test reach a real account or change how SDKs resolve credentials.
SCRUBBED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_CA_BUNDLE",
    "AWS_VAULT",
    "AWSUME_PROFILE",
    "MOTO_ACCOUNT_ID",
    "ROLESWITCH_PROFILE",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "moto_keep: do not wipe moto's state before this test")
    # werkzeug logs every moto request to stderr; that noise hides real failures.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def free_port() -> int:
    """A TCP port that was free a moment ago (prefer port=0 where the server allows it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moto_reset(endpoint: str) -> None:
    """Wipe every moto backend (all accounts, all services)."""
    request = urllib.request.Request(endpoint + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the whole session; yields ``http://127.0.0.1:<port>``."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_server(request: pytest.FixtureRequest, moto_endpoint: str) -> str:
    """The session's moto URL, with state wiped before this test (unless marked ``moto_keep``)."""
    if request.node.get_closest_marker("moto_keep") is None:
        moto_reset(moto_endpoint)
    return moto_endpoint


@pytest.fixture
def moto_managed_policies(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """A wiped moto that knows the AWS managed policies (arn:aws:iam::aws:policy/...)."""
    # moto reads this at IAM backend creation; the server runs in this process, so the env var applies.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    moto_reset(moto_endpoint)
    return moto_endpoint


@dataclass(frozen=True)
class AwsEnv:
    """The isolated environment of one test (all paths under ``tmp_path``)."""

    home: Path
    config_file: Path
    credentials_file: Path
    settings_file: Path
    cache_dir: Path
    data_dir: Path
    endpoint: str | None
    access_key_id: str = FAKE_ACCESS_KEY_ID
    secret_access_key: str = FAKE_SECRET_ACCESS_KEY
    region: str = REGION

    @property
    def env(self) -> dict[str, str]:
        """A copy of the (monkeypatched) process environment, for subprocesses."""
        return dict(os.environ)

    def write_config(self, text: str) -> Path:
        """Replace the AWS config file."""
        self.config_file.write_text(text)
        return self.config_file

    def write_credentials(self, text: str) -> Path:
        """Replace the AWS credentials file (0600, as real tools keep it)."""
        self.credentials_file.write_text(text)
        self.credentials_file.chmod(0o600)
        return self.credentials_file

    def write_settings(self, text: str) -> Path:
        """Replace roleswitch's config.toml."""
        self.settings_file.write_text(text)
        return self.settings_file


def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str | None) -> AwsEnv:
    home = tmp_path / "home"
    aws_dir = home / ".aws"
    config_dir = home / ".config" / "roleswitch"
    for directory in (aws_dir, config_dir, home / ".cache", home / ".local" / "share"):
        directory.mkdir(parents=True, exist_ok=True)
    env = AwsEnv(
        home=home,
        config_file=aws_dir / "config",
        credentials_file=aws_dir / "credentials",
        settings_file=config_dir / "config.toml",
        cache_dir=home / ".cache" / "roleswitch",
        data_dir=home / ".local" / "share" / "roleswitch",
        endpoint=endpoint,
    )
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(env.config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(env.credentials_file))
    monkeypatch.setenv("ROLESWITCH_CONFIG", str(env.settings_file))
    monkeypatch.setenv("ROLESWITCH_CACHE_DIR", str(env.cache_dir))
    monkeypatch.setenv("ROLESWITCH_DATA_DIR", str(env.data_dir))
    # Never wait for the EC2 metadata service (1 s+ timeouts) when a chain falls through.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_PAGER", "")
    monkeypatch.setenv("AWS_CLI_AUTO_PROMPT", "off")
    if endpoint is not None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return env


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AwsEnv:
    """Temp HOME and every roleswitch/AWS path in tmp_path; no credentials, no endpoint."""
    return _isolate(monkeypatch, tmp_path, None)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_server: str) -> AwsEnv:
    """Isolated environment pointed at a wiped moto, with fake static keys in ``[default]``."""
    env = _isolate(monkeypatch, tmp_path, moto_server)
    env.write_config(f"[default]\nregion = {REGION}\n")
    env.write_credentials(
        f"[default]\naws_access_key_id = {FAKE_ACCESS_KEY_ID}\naws_secret_access_key = {FAKE_SECRET_ACCESS_KEY}\n"
    )
    return env


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,  # noqa: A002 - same keyword as subprocess.run
    timeout: float = 120,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m roleswitch ARGS`` (this interpreter) and capture text output; never raises on exit code.

    ``env`` defaults to the current (monkeypatched) environment. Without ``input`` stdin is /dev/null,
    so a command that would prompt fails instead of hanging.
    """
    return subprocess.run(
        [sys.executable, "-m", "roleswitch", *args],
        env=dict(os.environ if env is None else env),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(name="run_cli")
def run_cli_fixture() -> object:
    """The :func:`run_cli` helper, as a fixture."""
    return run_cli
