"""Benchmark: reading a 5,000-profile AWS config (target: listed and looked up in <= 20 ms when unchanged).

Run: ``.venv/bin/python tests/bench/bench_config.py [N]`` (prints name and median milliseconds).
Compares botocore's own loader (what every boto3 Session does, once per session) with roleswitch's cold
parse (no index yet) and warm path (index valid). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/ for profilegen

from profilegen import make_config  # noqa: E402

from roleswitch.core import awsconfig, catalogue  # noqa: E402


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _import_ms(module: str, repeat: int) -> float:
    """Median wall time of ``python -c 'import module'`` minus a bare interpreter start.

    With bytecode, as an installed program has it: PYTHONDONTWRITEBYTECODE in the caller's environment would
    make every run recompile each changed source (~10 ms for core.settings alone), a cost no user pays."""
    with tempfile.TemporaryDirectory() as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache

        def run(code: str) -> float:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            return (time.perf_counter() - start) * 1000
        run(f"import {module}")  # writes the bytecode
        bare = statistics.median(run("pass") for _ in range(repeat))
        return statistics.median(run(f"import {module}") for _ in range(repeat)) - bare


def run(n: int = 5000, repeat: int = 9) -> list[tuple[str, float]]:
    """(name, median ms) for each scenario."""
    from botocore.session import Session as BotocoreSession

    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ROLESWITCH_CACHE_DIR"] = os.path.join(tmp, "cache")
        config, credentials = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
        config_text, credentials_text = make_config(n)
        with open(config, "w") as handle:
            handle.write(config_text)
        with open(credentials, "w") as handle:
            handle.write(credentials_text)
        settings = os.path.join(tmp, "config.toml")
        last = f"role-{(n - 1) - (n - 1) % 8}"

        def botocore_full_config() -> object:
            session = BotocoreSession()
            session.set_config_variable("config_file", config)
            session.set_config_variable("credentials_file", credentials)
            return session.full_config["profiles"][last]

        def cold() -> object:
            for name in os.listdir(os.path.join(tmp, "cache")) if os.path.isdir(os.path.join(tmp, "cache")) else ():
                os.unlink(os.path.join(tmp, "cache", name))
            return awsconfig.load_profiles(config, credentials)[last]

        def warm_lookup() -> object:
            return awsconfig.load_profiles(config, credentials)[last]

        def warm_names() -> object:
            return awsconfig.profile_names(config, credentials)

        def warm_catalogue() -> object:
            return catalogue.load_catalogue(config_path=config, credentials_path=credentials,
                                            settings_path=settings).get(last)

        results.append((f"botocore Session.full_config, {n} profiles", _median_ms(botocore_full_config, repeat)))
        results.append((f"roleswitch load_profiles, cold (no index), {n}", _median_ms(cold, repeat)))
        warm_lookup()
        results.append((f"roleswitch load_profiles + lookup, warm, {n}", _median_ms(warm_lookup, repeat * 3)))
        results.append((f"roleswitch profile_names, warm, {n}", _median_ms(warm_names, repeat * 3)))
        results.append((f"roleswitch load_catalogue + get, warm, {n}", _median_ms(warm_catalogue, repeat * 3)))
    results.append(("import roleswitch.core.awsconfig (subprocess, minus bare start)",
                    _import_ms("roleswitch.core.awsconfig", repeat)))
    return results


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    for name, ms in run(n):
        print(f"{name:<66} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
