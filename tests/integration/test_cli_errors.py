"""Bad input through the real command line: one clear line on stderr, the right exit code, no traceback,
empty stdout, and nothing written (no cache entry, credentials file untouched)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Dev"
MFA = f"arn:aws:iam::{ACCOUNT}:mfa/alice"


@pytest.fixture
def env(aws_env: Any, tmp_path: Path) -> Any:
    aws_env.write_config(
        f"[default]\nregion = us-east-1\n\n[profile dev]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n\n"
        f"[profile chained]\nrole_arn = {ROLE_ARN}2\nsource_profile = dev\n\n"
        f"[profile mfa]\nrole_arn = {ROLE_ARN}3\nsource_profile = default\nmfa_serial = {MFA}\n")
    aws_env.write_credentials(aws_env.credentials_file.read_text()
                              + "\n[keys]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x/y\n")
    aws_env.write_settings(f'[roles.ops]\nrole_arn = "{ROLE_ARN}"\nsource_profile = "default"\n'
                           "reason_required = true\n")
    (tmp_path / "bad-policy.json").write_text("{not json")
    return aws_env


def check_failure(env: Any, result: Any, code: int, *fragments: str, absent: tuple[str, ...] = (),
                  before: bytes | None = None) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("roleswitch: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    for secret in absent:
        assert secret not in result.stderr
    sessions = env.cache_dir / "sessions"
    assert not sessions.exists() or list(sessions.iterdir()) == []
    if before is not None:
        assert env.credentials_file.read_bytes() == before


CASES = [
    # (argv, exit code, fragments that must be in the line, values that must NOT be echoed)
    (["export", "dev", "--duration", "100"], 2, ["duration", "900"], ()),
    (["export", "dev", "--duration", "50000"], 2, ["43200"], ()),
    (["export", "dev", "--duration", "abc"], 2, ["--duration", "invalid int"], ()),
    (["export", "chained", "--duration", "7200"], 2, ["3600"], ()),
    (["export", "dev", "--session-name", "a b"], 2, ["session"], ()),
    (["export", "dev", "--source-identity", "x"], 2, ["ource"], ()),
    (["export", "dev", "--external-id", "bad id!secret"], 2, ["xternal"], ("bad id!secret",)),
    (["export", "dev", "--mfa-code", "12ab99"], 2, ["MFA"], ("12ab99",)),
    (["export", "dev", "--tag", "aws:team=x"], 2, ["aws:"], ()),
    (["export", "dev", "--tag", "team"], 2, ["KEY=VALUE"], ()),
    (["export", "dev", "--tag", "a=1", "--transitive-tag", "b"], 2, ["b"], ()),
    (["export", "dev", "--policy-arn", "not-an-arn"], 2, ["not-an-arn"], ()),
    (["export", "dev", "--policy-file", "/nonexistent/p.json"], 2, ["--policy-file", "/nonexistent/p.json"], ()),
    (["export", "dev", "--region", "Mars"], 2, ["--region", "Mars"], ()),
    (["export", "dev", "--format", "tcsh"], 2, ["--format"], ()),
    (["export", "nope"], 3, ["nope"], ()),
    (["export", "ops"], 2, ["reason"], ()),
    (["export", "mfa"], 2, ["MFA", MFA], ()),
    (["export", "dev", "--force"], 2, ["--write-profile"], ()),
    (["export", "dev", "--write-profile", "default"], 2, ["--write-profile"], ()),
    (["export", "dev", "--write-profile", "bad[name]"], 2, ["--write-profile"], ()),
    (["export", "dev", "--write-profile", "keys"], 3, ["keys"], ()),
    (["credential-process", "nope"], 3, ["nope"], ()),
    (["exec", "dev", "--", "/nonexistent/cmd"], 127, ["command not found"], ()),
    (["shell-init", "tcsh"], 2, ["tcsh"], ()),
    (["frobnicate"], 2, ["frobnicate"], ()),
    (["export"], 2, ["PROFILE"], ()),
    (["demo", "--port", "70000"], 2, ["--port"], ()),
]


@pytest.mark.parametrize(("argv", "code", "fragments", "absent"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(env: Any, run_cli: Any, argv: list[str], code: int, fragments: list[str],
                   absent: tuple[str, ...]) -> None:
    before = env.credentials_file.read_bytes()
    check_failure(env, run_cli(*argv), code, *fragments, absent=absent, before=before)


def test_bad_policy_json(env: Any, run_cli: Any, tmp_path: Path) -> None:
    before = env.credentials_file.read_bytes()
    check_failure(env, run_cli("export", "dev", "--policy-file", str(tmp_path / "bad-policy.json")), 2, "polic",
                  before=before)


def test_broken_settings_file_is_a_config_error(env: Any, run_cli: Any) -> None:
    env.write_settings("[roles.x]\nduration_seconds = 'long'\n")
    check_failure(env, run_cli("export", "dev"), 3, str(env.settings_file))


def test_unreachable_sts_is_an_aws_error(env: Any, run_cli: Any) -> None:
    bad = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
    check_failure(env, run_cli("export", "dev", env=bad), 4)


def test_debug_shows_the_traceback(env: Any, run_cli: Any) -> None:
    result = run_cli("--debug", "export", "nope")
    assert result.returncode != 0 and "Traceback" in result.stderr and result.stdout == ""


def test_every_command_has_help_with_an_example(run_cli: Any, env: Any) -> None:
    for command in ("list", "export", "exec", "credential-process", "status", "forget", "shell-init", "demo"):
        result = run_cli(command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "examples:" in result.stdout and "roleswitch" in result.stdout.split("examples:")[1]
    top = run_cli("--help")
    assert top.returncode == 0 and "exit codes" in top.stdout
