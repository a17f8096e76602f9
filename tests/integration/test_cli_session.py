"""`roleswitch export / exec / credential-process / status / forget / list / shell-init` against moto over HTTP.

Every command runs as a real subprocess (``python -m roleswitch``) in an isolated HOME; STS is moto's server.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "123456789012"  # moto's default account
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Dev"


def write_dev_profile(aws_env: Any, extra: str = "") -> None:
    aws_env.write_config(
        f"[default]\nregion = us-east-1\n\n[profile dev]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
        f"region = eu-west-1\n{extra}")


def assumed_roles() -> int:
    """AssumeRole calls moto processed (its server runs in this process, so its backend is readable here)."""
    from moto.sts.models import sts_backends

    return len(sts_backends[ACCOUNT]["global"].assumed_roles)


@pytest.fixture
def dev(aws_env: Any) -> Any:
    write_dev_profile(aws_env)
    return aws_env


def test_export_bash_then_cache_hit_without_sts(dev: Any, run_cli: Any) -> None:
    first = run_cli("export", "dev", "--format", "bash")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert "export AWS_ACCESS_KEY_ID='ASIA" in first.stdout and "unset AWS_PROFILE" in first.stdout
    assert "export AWS_REGION='eu-west-1'" in first.stdout
    assert "export ROLESWITCH_PROFILE='dev'" in first.stdout
    assert assumed_roles() == 1
    second = run_cli("export", "dev", "--format", "bash")
    assert second.returncode == 0 and second.stdout == first.stdout
    assert assumed_roles() == 1  # served from the cache
    files = list((dev.cache_dir / "sessions").iterdir())
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(dev.cache_dir.stat().st_mode) == 0o700


def test_eval_in_bash_gives_the_assumed_role_to_the_aws_cli(dev: Any, run_cli: Any) -> None:
    """The real consumer: bash evals the export, then the AWS CLI (awscli from PyPI) reads the keys."""
    aws = Path(sys.executable).with_name("aws")
    script = (f'eval "$({shlex.quote(sys.executable)} -m roleswitch export dev --format bash)" || exit 90\n'
              f'test -z "${{AWS_PROFILE+x}}" || exit 91\n'
              f'{shlex.quote(str(aws))} sts get-caller-identity --output json')
    env = dict(os.environ, AWS_PROFILE="default")
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/")


def test_options_change_the_cache_key(dev: Any, run_cli: Any) -> None:
    assert run_cli("export", "dev", "-f", "json").returncode == 0
    other = run_cli("export", "dev", "-f", "json", "--duration", "900", "--tag", "team=sre")
    assert other.returncode == 0, other.stderr
    assert assumed_roles() == 2
    again = run_cli("export", "dev", "--tag=team=sre", "--format=json", "--duration=900")  # other spelling
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(other.stdout)
    assert assumed_roles() == 2


def test_no_cache_always_calls_sts(dev: Any, run_cli: Any) -> None:
    assert run_cli("export", "dev", "--no-cache").returncode == 0
    assert run_cli("export", "dev", "--no-cache").returncode == 0
    assert assumed_roles() == 2


def test_credential_process_output_and_aws_cli_profile(dev: Any, run_cli: Any) -> None:
    result = run_cli("credential-process", "dev")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["Version"] == 1 and data["AccessKeyId"].startswith("ASIA")
    assert set(data) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert data["Expiration"].endswith("Z")


def test_exec_runs_command_with_role_env_and_passes_exit_code(dev: Any, run_cli: Any) -> None:
    code = "import os,sys; print(os.environ['ROLESWITCH_PROFILE'], 'AWS_PROFILE' in os.environ); sys.exit(7)"
    env = dict(os.environ, AWS_PROFILE="default")
    result = run_cli("exec", "dev", "--duration", "900", "--", sys.executable, "-c", code, "--debug", env=env)
    assert result.returncode == 7, result.stderr
    assert result.stdout.strip() == "dev False"


def test_exec_without_double_dash(dev: Any, run_cli: Any) -> None:
    result = run_cli("exec", "dev", sys.executable, "-c", "import os; print(os.environ['AWS_REGION'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "eu-west-1"


def test_status_and_forget(dev: Any, run_cli: Any) -> None:
    assert run_cli("status").stdout == "No cached sessions.\n"
    assert run_cli("export", "dev").returncode == 0
    text = run_cli("status")
    assert text.returncode == 0
    assert text.stdout.splitlines()[0].split() == ["PROFILE", "LEFT", "EXPIRES", "(UTC)", "ARN", "REGION"]
    assert text.stdout.splitlines()[1].startswith("dev ") and "assumed-role/Dev/" in text.stdout
    rows = json.loads(run_cli("status", "--json").stdout)
    assert [r["profile"] for r in rows] == ["dev"] and 3000 < rows[0]["seconds_left"] <= 3600
    assert not rows[0]["expired"]
    slow = run_cli("status", "--json", env=dict(os.environ, ROLESWITCH_NO_FAST="1"))
    assert json.loads(slow.stdout)[0]["key"] == rows[0]["key"]  # both paths agree
    for out in (text.stdout, json.dumps(rows)):
        secret = json.loads(run_cli("export", "dev", "-f", "json").stdout)["SecretAccessKey"]
        assert secret not in out
    forgot = run_cli("forget", "dev")
    assert forgot.returncode == 0 and forgot.stdout == "Removed 1 cached session for dev.\n"
    assert json.loads(run_cli("status", "--json").stdout) == []
    assert run_cli("forget").stdout == "Removed 0 cached sessions.\n"


def test_config_change_falls_back_to_slow_path_and_restamps(dev: Any, run_cli: Any) -> None:
    first = run_cli("export", "dev", "-f", "json")
    assert first.returncode == 0
    key_file = next((dev.cache_dir / "sessions").iterdir())
    stamp = json.loads(key_file.read_text())["stamp"]
    # An unrelated edit: same role definition, so the cached session stays valid and is re-stamped.
    write_dev_profile(dev, "\n[profile unrelated]\nregion = us-west-2\n")
    second = run_cli("export", "dev", "-f", "json")
    assert second.returncode == 0 and json.loads(second.stdout) == json.loads(first.stdout)
    assert assumed_roles() == 1
    assert json.loads(key_file.read_text())["stamp"] != stamp
    # The role definition itself changes: the cached session is not reused.
    dev.write_config(dev.config_file.read_text().replace("role/Dev", "role/Dev2"))
    third = run_cli("export", "dev", "-f", "json")
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout)["RoleArn"].endswith("role/Dev2")
    from moto.sts.models import sts_backends  # Dev2 lands in the same account's backend

    assert [r.role_arn for r in sts_backends[ACCOUNT]["global"].assumed_roles] == [ROLE_ARN, ROLE_ARN + "2"]


def test_write_profile(dev: Any, run_cli: Any) -> None:
    before = dev.credentials_file.read_bytes()
    result = run_cli("export", "dev", "--write-profile", "dev-session")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("roleswitch: wrote profile [dev-session] to ")
    after = dev.credentials_file.read_bytes()
    assert after.startswith(before) and b"[dev-session]" in after and b"aws_session_token" in after
    assert stat.S_IMODE(dev.credentials_file.stat().st_mode) == 0o600


def test_write_profile_named_like_the_role_keeps_the_catalogue_usable(dev: Any, run_cli: Any) -> None:
    """The natural `--write-profile ops` for a config.toml role `ops` must not brick every later command."""
    dev.write_settings(f'[roles.ops]\nrole_arn = "{ROLE_ARN}"\nsource_profile = "default"\n')
    refused = run_cli("export", "ops", "--write-profile", "ops")
    assert refused.returncode == 2 and "would overwrite the profile being used" in refused.stderr
    # The app's export dialog offers the role's own name: for a config.toml role that is what the AWS CLI
    # needs (it cannot read config.toml), so it writes [ops] -- the same as this second step.
    written = run_cli("export", "ops", "--write-profile", "ops-tmp")
    assert written.returncode == 0, written.stderr
    text = dev.credentials_file.read_text().replace("[ops-tmp]", "[ops]")
    dev.credentials_file.write_text(text)
    listed = run_cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    ops = [row for row in json.loads(listed.stdout) if row["name"] == "ops"]
    assert len(ops) == 1 and ops[0]["origin"] == "roleswitch" and ops[0]["role_arn"] == ROLE_ARN
    assert "warning:" in listed.stderr and "shadows the AWS profile 'ops'" in listed.stderr
    again = run_cli("export", "ops", "--format", "json")
    assert again.returncode == 0, again.stderr


def test_list_and_shell_init(dev: Any, run_cli: Any) -> None:
    rows = json.loads(run_cli("list", "--json").stdout)
    assert {r["name"] for r in rows} == {"default", "dev"}
    assert next(r for r in rows if r["name"] == "dev")["role_arn"] == ROLE_ARN
    text = run_cli("list").stdout
    assert text.startswith("NAME") and "dev" in text
    init = run_cli("shell-init", "bash")
    assert init.returncode == 0 and "rsw()" in init.stdout


def test_rsw_function_in_bash_and_fish(dev: Any, run_cli: Any, tmp_path: Path) -> None:
    """The `rsw` function from shell-init switches a real shell (roleswitch on PATH via a wrapper)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "roleswitch"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m roleswitch \"$@\"\n")
    wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", AWS_PROFILE="default")
    bash = subprocess.run(["bash", "-c", 'eval "$(roleswitch shell-init bash)"; rsw dev || exit 9; '
                           'echo "$ROLESWITCH_PROFILE ${AWS_PROFILE-unset}"; rsw nope; echo "rc=$?"'],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert bash.stdout.splitlines() == ["dev unset", "rc=3"], bash.stderr
    fish = subprocess.run(["fish", "--no-config", "-c", "roleswitch shell-init fish | source; rsw dev; "
                           "or exit 9; echo $ROLESWITCH_PROFILE; set -q AWS_PROFILE; or echo unset"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert fish.stdout.splitlines() == ["dev", "unset"], fish.stderr
