"""roleswitch benchmark against its peers, measured in the same run. Not a test.

    .venv/bin/python tests/bench/run.py [--runs 15] [--warmup 2] [--profiles 5000] [--only TEXT] [--json FILE]

It installs nothing. The peers it compares against, when present:
  - awsume 4.5.4:   pip install -e '.[bench]'        (.venv/bin/awsumepy)
  - AWS CLI v2:     Debian package `awscli` (v2)     (/usr/bin/aws; PyPI's awscli is v1 and lacks
                    `configure export-credentials`)

What it does: writes an AWS config of the demo's profiles plus a generated 5,000-profile config
(tests/profilegen.py), starts the demo's local AWS (moto, in this process), primes every tool's cache for
the profile ``staging-dev`` (role + source_profile), then times each command as a subprocess (warm-up
runs, then the median of N runs) and prints medians and ratios to roleswitch. Everything happens under a
temporary HOME; ~/.aws is never read or written.

Fairness notes, printed with the results:
  - awsume has no role-credential cache: every `awsume P -s` calls AssumeRole (here against moto over
    loopback, ~3 ms). Its only cache is the MFA GetSessionToken session, so the MFA row is awsume at its
    best (cached MFA session + one AssumeRole).
  - AWS CLI v2 is given a primed role cache (~/.aws/cli/cache, the file it writes after one AssumeRole), so
    it, like roleswitch, answers without calling STS.
  - Rows marked cached run with HTTP(S)_PROXY at a closed port: a cache miss fails the row instead of
    quietly timing a network call (or reaching real AWS).

Hook benchmarks: every tests/bench/bench_*.py module with ``run() -> list[tuple[str, float]]`` (name,
median ms) is run and printed in its own section (TUI/policy benchmarks). ``harness.measure_call`` helps.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(REPO, "tests"), REPO]

from harness import CommandFailed, Stats, measure_command  # noqa: E402

PROFILE = "staging-dev"
MFA_PROFILE = "bench-mfa"
AWS_V2 = "/usr/bin/aws"
BIN = os.path.dirname(sys.executable)
DEAD_PROXY = "http://127.0.0.1:9"
# For the rows that claim "cached": every HTTP(S) request goes to a closed port, so a cache miss fails the
# row loudly instead of silently timing an STS round trip.
NO_NETWORK = {"HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY,
              "https_proxy": DEAD_PROXY, "NO_PROXY": "", "no_proxy": ""}


@dataclass
class Case:
    group: str
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    baseline: bool = False


@dataclass
class Outcome:
    case: Case
    stats: Stats | None = None
    error: str | None = None


def strip_section(text: str, section: str) -> str:
    """``text`` (INI) without the section ``[section]`` (so two generated files can be concatenated)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            skipping = header.group(1).strip() == section
        if not skipping:
            out.append(line)
    return "".join(out)


def generated_config(n: int) -> tuple[str, str]:
    """``n`` generated profiles (tests/profilegen.py) as (config, credentials) text."""
    try:
        from profilegen import make_config
    except ImportError:  # profilegen not written yet: a plain but valid stand-in
        config = "".join(
            f"[profile gen-{i}]\nrole_arn = arn:aws:iam::{100000000000 + i:012d}:role/R{i}\n"
            f"source_profile = acme-user\nregion = us-east-1\n\n"
            for i in range(n)
        )
        return config, ""
    return make_config(n)


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "cpus": str(os.cpu_count())}
    for name, argv in (("awsume", [os.path.join(BIN, "awsumepy"), "-v"]), ("aws v2", [AWS_V2, "--version"])):
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            versions[name] = (result.stdout + result.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            versions[name] = "not installed"
    return versions


@contextmanager
def bench_world(n_profiles: int) -> Iterator[tuple[dict[str, str], Any]]:
    """The demo's local AWS plus a big config under a temporary HOME; yields (env, demo)."""
    from roleswitch.demo import apply_env, start_demo

    top = tempfile.mkdtemp(prefix="roleswitch-bench-")
    home = os.path.join(top, "home")
    os.makedirs(home)
    try:
        with start_demo(root=os.path.join(top, "demo")) as demo:
            gen_config, gen_credentials = generated_config(n_profiles)
            with open(demo.aws_config_file, "a") as handle:
                handle.write(
                    f"\n# awsume at its best: an MFA role whose GetSessionToken session it caches\n"
                    f"[profile {MFA_PROFILE}]\nrole_arn = {demo.role_arns['prod-readonly']}\n"
                    f"source_profile = acme-user\nmfa_serial = {demo.mfa_serial}\nregion = us-east-1\n\n"
                )
                handle.write(strip_section(gen_config, "default"))
            with open(demo.credentials_file, "a") as handle:
                handle.write("\n" + gen_credentials)
            base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": os.environ.get("LANG", "C.UTF-8")}
            env = apply_env(demo, base)
            env.update(
                HOME=home,
                XDG_CONFIG_HOME=os.path.join(home, ".config"),
                XDG_CACHE_HOME=os.path.join(home, ".cache"),
                XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                AWS_PAGER="",
                AWS_CLI_AUTO_PROMPT="off",
            )
            yield env, demo
    finally:
        shutil.rmtree(top, ignore_errors=True)


def prime_aws_v2_cache(env: dict[str, str], demo: Any) -> None:
    """Write the role cache file AWS CLI v2 itself writes after one AssumeRole (same key, same shape)."""
    import botocore.session

    # The bench's own environment (a stale AWS_PROFILE, ~/.aws/config) must not matter here.
    session = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    })
    sts = session.create_client(
        "sts", endpoint_url=demo.endpoint, region_name="us-east-1",
        aws_access_key_id=demo.access_key_id, aws_secret_access_key=demo.secret_access_key,
    )
    arn = demo.role_arns[PROFILE]
    response = sts.assume_role(RoleArn=arn, RoleSessionName="botocore-session-1700000000", DurationSeconds=3600)
    # botocore's AssumeRoleCredentialFetcher._create_cache_key: the AssumeRole kwargs minus the generated
    # session name, JSON with sorted keys, SHA-1.
    key = hashlib.sha1(json.dumps({"RoleArn": arn}, sort_keys=True).encode()).hexdigest()
    creds = response["Credentials"]
    body = {
        "Credentials": {**creds, "Expiration": creds["Expiration"].isoformat()},
        "AssumedRoleUser": response["AssumedRoleUser"],
    }
    cache = os.path.join(env["HOME"], ".aws", "cli", "cache")
    os.makedirs(cache, mode=0o700, exist_ok=True)
    with open(os.path.join(cache, key + ".json"), "w") as handle:
        json.dump(body, handle)


def run_once(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def cases(env: dict[str, str], demo: Any) -> tuple[list[Case], list[str]]:
    """The commands to time (after priming caches) and notes on what was skipped and why."""
    notes: list[str] = []
    roleswitch = [sys.executable, "-m", "roleswitch"]
    result: list[Case] = [
        Case("export, cached", f"roleswitch export {PROFILE} --format bash", [*roleswitch, "export", PROFILE, "--format", "bash"], NO_NETWORK, baseline=True),
        Case("export, cached", f"roleswitch credential-process {PROFILE}", [*roleswitch, "credential-process", PROFILE],
             NO_NETWORK),
        Case("list profiles", "roleswitch list", [*roleswitch, "list"], baseline=True),
    ]
    primed = run_once([*roleswitch, "export", PROFILE, "--format", "bash"], env)
    if primed.returncode != 0:
        notes.append(f"roleswitch could not prime its cache: {primed.stderr.strip()[-300:]}")

    awsume = os.path.join(BIN, "awsumepy")
    if os.access(awsume, os.X_OK):
        prime = run_once([awsume, MFA_PROFILE, "-s", "--mfa-token", "123456"], env)
        if prime.returncode != 0:
            notes.append(f"awsume could not prime its MFA session: {prime.stderr.strip()[-300:]}")
        result += [
            Case("export, cached", f"awsume {MFA_PROFILE} -s (cached MFA session + AssumeRole)", [awsume, MFA_PROFILE, "-s"]),
            Case("export, cached", f"awsume {PROFILE} -s (no role cache: AssumeRole)", [awsume, PROFILE, "-s"]),
            Case("list profiles", "awsume -l", [awsume, "-l"]),
        ]
    else:
        notes.append("awsume not installed: pip install -e '.[bench]'")

    version = run_once([AWS_V2, "--version"], env) if os.access(AWS_V2, os.X_OK) else None
    if version is not None and version.stdout.startswith("aws-cli/2"):
        prime_aws_v2_cache(env, demo)
        v2_env = NO_NETWORK
        result += [
            Case("export, cached", f"aws configure export-credentials --profile {PROFILE} --format env (v2, cached)",
                 [AWS_V2, "configure", "export-credentials", "--profile", PROFILE, "--format", "env"], v2_env),
            Case("list profiles", "aws configure list-profiles (v2)", [AWS_V2, "configure", "list-profiles"], v2_env),
        ]
    else:
        notes.append(f"AWS CLI v2 not found at {AWS_V2}: Debian package `awscli` (apt-get install awscli)")
    return result, notes


def run_hooks(only: str | None) -> list[tuple[str, str, float | None, str | None]]:
    """(module, name, median ms, error) of every tests/bench/bench_*.py ``run()``."""
    rows: list[tuple[str, str, float | None, str | None]] = []
    for file in sorted(os.listdir(HERE)):
        if not (file.startswith("bench_") and file.endswith(".py")):
            continue
        module_name = file[:-3]
        if only and only not in module_name:
            continue
        try:
            spec = importlib.util.spec_from_file_location(module_name, os.path.join(HERE, file))
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for name, median in module.run():
                rows.append((module_name, str(name), float(median), None))
        except Exception as error:  # a broken hook must not hide the other results
            last = traceback.format_exception_only(error)[-1].strip()
            rows.append((module_name, "(failed)", None, last))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="roleswitch vs awsume vs AWS CLI v2 (medians, same run)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs (default 2)")
    parser.add_argument("--profiles", type=int, default=5000, help="generated profiles in the config (default 5000)")
    parser.add_argument("--only", help="only cases whose name contains TEXT (hooks: module name)")
    parser.add_argument("--no-hooks", action="store_true", help="skip tests/bench/bench_*.py")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or args.profiles < 0:
        parser.error("--runs must be >= 1, --warmup and --profiles >= 0")

    print("roleswitch benchmark:", ", ".join(f"{k} {v}" for k, v in tool_versions().items()))
    outcomes: list[Outcome] = []
    with bench_world(args.profiles) as (env, demo):
        selected, notes = cases(env, demo)
        print(f"config: {args.profiles} generated profiles + the demo's; {args.warmup} warm-up + {args.runs} runs each\n")
        for case in selected:
            if args.only and args.only not in case.name:
                continue
            try:
                stats = measure_command(case.name, case.argv, {**env, **case.env}, runs=args.runs, warmup=args.warmup)
                outcomes.append(Outcome(case, stats))
            except CommandFailed as error:
                outcomes.append(Outcome(case, error=str(error)))

    for group in dict.fromkeys(o.case.group for o in outcomes):
        print(f"== {group}")
        members = [o for o in outcomes if o.case.group == group]
        base = next((o.stats for o in members if o.case.baseline and o.stats), None)
        for outcome in members:
            if outcome.stats is None:
                print(f"{outcome.case.name:<58} FAILED {outcome.error}")
                continue
            ratio = ""
            if base is not None and outcome.stats is not base:
                ratio = f"   {outcome.stats.median_ms / base.median_ms:6.1f}x roleswitch"
            print(outcome.stats.row() + ratio)
        print()
    for note in notes:
        print("note:", note)

    hooks = [] if args.no_hooks else run_hooks(args.only)
    if hooks:
        print("\n== hook benchmarks (tests/bench/bench_*.py)")
        for module, name, median, error in hooks:
            print(f"{module}: {name:<50} " + (f"{median:9.2f} ms" if median is not None else f"FAILED {error}"))

    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {
                    "commands": [
                        {"group": o.case.group, "name": o.case.name, "median_ms": o.stats.median_ms if o.stats else None,
                         "error": o.error}
                        for o in outcomes
                    ],
                    "hooks": [{"module": m, "name": n, "median_ms": v, "error": e} for m, n, v, e in hooks],
                    "notes": notes,
                },
                handle,
                indent=2,
            )
    return 1 if any(o.stats is None for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
