"""The cached fast path and single flight.

- On a cache hit, `export`, `credential-process` and `status` import no boto3, botocore, textual (nor
  argparse/platformdirs): checked with ``python -X importtime`` in a real subprocess.
- N parallel `roleswitch credential-process P` processes against moto make exactly ONE AssumeRole call.
  How it is counted: moto's server runs inside this pytest process (ThreadedMotoServer), so the STS backend
  that answered the subprocesses' HTTP requests is readable here; ``assumed_roles`` gets one entry per
  AssumeRole it processed. The cache file must still be valid JSON afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Dev"
HEAVY = ("boto3", "botocore", "textual", "rich", "argparse", "platformdirs", "roleswitch.core.engine",
         "roleswitch.core.catalogue")


def assumed_roles() -> int:
    from moto.sts.models import sts_backends

    return len(sts_backends[ACCOUNT]["global"].assumed_roles)


@pytest.fixture
def dev(aws_env: Any) -> Any:
    aws_env.write_config(f"[default]\nregion = us-east-1\n\n[profile dev]\nrole_arn = {ROLE_ARN}\n"
                         "source_profile = default\nregion = eu-west-1\n")
    return aws_env


def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m roleswitch ARGS``; return the result and every module it imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "roleswitch", *args],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return result, modules


def top_level_offenders(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_cache_hit_imports_nothing_heavy(dev: Any, run_cli: Any) -> None:
    warm = run_cli("export", "dev", "--format", "bash")
    assert warm.returncode == 0, warm.stderr
    for args in (("export", "dev", "--format", "bash"), ("export", "dev"), ("credential-process", "dev"),
                 ("status",), ("status", "--json")):
        result, modules = imported_modules(*args)
        assert result.returncode == 0, result.stderr
        assert "roleswitch.cli.fast" in modules  # the probe sees our modules at all
        assert top_level_offenders(modules) == [], f"{args} imported heavy modules on a cache hit"
    # The shell formats do not even pay for the json package (~11 ms: it imports re and enum).
    for args in (("export", "dev", "--format", "bash"), ("export", "dev", "--format", "fish")):
        result, modules = imported_modules(*args)
        assert result.returncode == 0 and "AWS_ACCESS_KEY_ID" in result.stdout, result.stderr
        assert "json" not in modules and "re" not in modules, f"{args} imported json/re on a cache hit"
    assert json.loads(run_cli("credential-process", "dev").stdout)["AccessKeyId"].startswith("ASIA")
    assert assumed_roles() == 1


def test_cache_miss_and_unknown_shapes_use_the_full_cli(dev: Any) -> None:
    result, modules = imported_modules("export", "dev", "--format", "bash")  # cold cache
    assert result.returncode == 0, result.stderr
    assert "botocore" in modules and "argparse" in modules
    _, modules = imported_modules("export", "dev", "--format", "bash", "--debug")  # not a fast shape
    assert "argparse" in modules


def test_fast_and_slow_paths_print_the_same(dev: Any, run_cli: Any) -> None:
    slow_env = dict(os.environ, ROLESWITCH_NO_FAST="1")
    for fmt in ("bash", "zsh", "fish", "pwsh", "nu", "dotenv", "json", "process"):
        args = ("export", "dev", "--format", fmt, "--duration", "1800", "--tag", "team=sre",
                "--transitive-tag", "team", "--session-name", "alice", "--region", "eu-west-2")
        slow = run_cli(*args, env=slow_env)
        assert slow.returncode == 0, slow.stderr
        fast_result, modules = imported_modules(*args)
        assert fast_result.stdout == slow.stdout
        assert "botocore" not in modules, f"{fmt}: fast path missed"
    assert assumed_roles() == 1


def test_reason_tagged_sessions_are_never_served_by_the_fast_path(aws_env: Any, run_cli: Any) -> None:
    aws_env.write_settings(f'[roles.ops]\nrole_arn = "{ROLE_ARN}"\nsource_profile = "default"\n'
                           "reason_required = true\n")
    first = run_cli("export", "ops", "--reason", "OPS-1 restart")
    assert first.returncode == 0, first.stderr
    denied = run_cli("export", "ops")
    assert denied.returncode == 2 and denied.stdout == ""
    assert "requires a reason" in denied.stderr


def test_parallel_credential_process_makes_one_sts_call(dev: Any) -> None:
    n = 8
    procs = [subprocess.Popen([sys.executable, "-m", "roleswitch", "credential-process", "dev"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
             for _ in range(n)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    keys = {json.loads(out)["AccessKeyId"] for out, _ in outputs}
    assert len(keys) == 1  # every caller got the same session
    assert assumed_roles() == 1
    files = list((dev.cache_dir / "sessions").iterdir())
    assert len(files) == 1
    assert json.loads(files[0].read_text())["session"]["credentials"]["AccessKeyId"] in keys
