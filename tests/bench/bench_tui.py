"""TUI benchmarks (a hook of tests/bench/run.py; also runnable alone). Not a test.

    .venv/bin/python tests/bench/bench_tui.py

- fuzzy filter over 10,000 roles, per keystroke (typing real queries one character at a time, incremental
  narrowing as in the app): median and 95th percentile; target <= 8 ms per keystroke.
- the same keystroke through the app's list (filter + rebuilding the shown options), headless.
- first frame with a 5,000-profile AWS config: from the start of ``roleswitch`` (catalogue load, app build)
  to the first painted frame, in a fresh process (target <= 400 ms), the whole process's wall time to that
  frame, and its peak memory (MB, VmHWM). In the same run, alternating with it, the same measure of a
  minimal Textual app (one Static): Textual's own floor on this machine. Reported: both, roleswitch's
  overhead over it (ms) and the ratio (target: overhead <= 100 ms).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for path in (REPO, os.path.join(REPO, "tests")):
    if path not in sys.path:
        sys.path.insert(0, path)

QUERIES = ("prod admin", "stg", "123456", "acme-dev-deploy", "role/readonly", "team=sre", "xq", "ci depl")


def synthetic_roles(n: int) -> list:
    """``n`` roles across 200 accounts and 3 environments, with ARNs and tags, like a large org."""
    from roleswitch.core.model import Account, ProfileKind, Role

    envs = ("prod", "staging", "dev")
    names = ("admin", "readonly", "deploy", "billing", "audit", "ci-deployer", "oncall", "data-eng")
    roles = []
    for i in range(n):
        env = envs[i % 3]
        account_id = f"{100000000000 + (i % 200) * 7919:012d}"
        account = Account(account_id, f"acme-{env}-{i % 200}", env)
        role_name = names[i % len(names)]
        roles.append(Role(f"acme-{env}-{i % 200}-{role_name}-{i}", "aws", ProfileKind.ROLE,
                          role_arn=f"arn:aws:iam::{account_id}:role/{role_name}", account=account,
                          source_profile="base", session_tags=(("team", "sre" if i % 5 == 0 else "web"),)))
    return roles


def _keystroke_times(index_factory, queries=QUERIES) -> list[float]:
    samples: list[float] = []
    for query in queries:
        index = index_factory()
        for end in range(1, len(query) + 1):
            start = time.perf_counter()
            index(query[:end])
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_fuzzy(n: int = 10_000, repeat: int = 5) -> list[tuple[str, float]]:
    from roleswitch.core.fuzzy import FuzzyIndex
    from roleswitch.tui.forms import search_text

    roles = synthetic_roles(n)
    names = [r.name for r in roles]
    texts = [search_text(r) for r in roles]
    samples: list[float] = []
    for _ in range(repeat):
        samples += _keystroke_times(lambda: FuzzyIndex(names, texts).search)
    samples.sort()
    return [(f"fuzzy filter, {n:,} roles: per keystroke (median)", statistics.median(samples)),
            (f"fuzzy filter, {n:,} roles: per keystroke (p95)", samples[int(len(samples) * 0.95)])]


def bench_app_keystroke(n: int = 10_000) -> list[tuple[str, float]]:
    """The filter keystroke through RoleList.apply_filter (fuzzy + rebuilding the shown options)."""
    from roleswitch.core.model import utcnow
    from roleswitch.tui.app import RoleswitchApp
    from roleswitch.tui.widgets.role_list import RoleList

    class Catalogue:
        def __init__(self, roles):
            self.roles = tuple(roles)
            self.settings = None

    samples: list[float] = []

    async def main() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            app = RoleswitchApp(Catalogue(synthetic_roles(n)), None, None, utcnow,
                                recents_path=os.path.join(tmp, "recents.json"))
            async with app.run_test(size=(140, 44)) as pilot:
                roles = app.query_one(RoleList)
                for query in QUERIES:
                    for end in range(1, len(query) + 1):
                        start = time.perf_counter()
                        roles.apply_filter(query[:end])
                        samples.append((time.perf_counter() - start) * 1000)
                    roles.apply_filter("")
                await pilot.pause()

    asyncio.run(main())
    return [(f"app list filter, {n:,} roles: per keystroke (median)", statistics.median(samples))]


PEAK_MB = r"""
def peak_mb():
    # VmHWM: this process's own peak. ru_maxrss would also count the parent's size at fork (Linux keeps it
    # across exec), i.e. the benchmark runner's, not roleswitch's.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

FIRST_FRAME_SCRIPT = PEAK_MB + r"""
import time
t0 = time.perf_counter()
import asyncio, json, resource, sys
from roleswitch.cli.tui_cmds import build_app
app = build_app()
done = {}
def first_frame_painted():
    # The app schedules load_engine with call_after_refresh in on_mount: it runs once the first frame is
    # painted, which is exactly the moment to measure (and boto3 must not be loaded yet).
    done["frame_ms"] = (time.perf_counter() - t0) * 1000
    done["boto3_loaded_at_first_frame"] = "boto3" in sys.modules
    app.exit()
app.load_engine = first_frame_painted
async def main():
    async with app.run_test(size=(160, 45)) as pilot:
        while "frame_ms" not in done:
            await pilot.pause(0.01)
asyncio.run(main())
done["peak_mb"] = peak_mb()
print(json.dumps(done))
"""


BASELINE_SCRIPT = PEAK_MB + r"""
import time
t0 = time.perf_counter()
import asyncio, json, resource, sys
from textual.app import App
from textual.widgets import Static
done = {}
class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.first_frame_painted)  # measured exactly as roleswitch's frame below
    def first_frame_painted(self):
        done["frame_ms"] = (time.perf_counter() - t0) * 1000
        self.exit()
app = Minimal()
async def main():
    async with app.run_test(size=(160, 45)) as pilot:
        while "frame_ms" not in done:
            await pilot.pause(0.01)
asyncio.run(main())
done["peak_mb"] = peak_mb()
print(json.dumps(done))
"""


def _run_script(script: str, env: dict[str, str]) -> tuple[dict, float]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                            cwd=REPO)
    wall = (time.perf_counter() - start) * 1000
    return json.loads(result.stdout.strip().splitlines()[-1]), wall


def bench_first_frame(n: int = 5000, repeat: int = 7) -> list[tuple[str, float]]:
    """roleswitch's first frame and, measured in the same run and the same way, a minimal Textual app's
    (one Static: Textual's own floor on this machine); runs alternate so machine noise hits both alike."""
    from profilegen import make_config

    frames: list[float] = []
    walls: list[float] = []
    peaks: list[float] = []
    base_frames: list[float] = []
    base_walls: list[float] = []
    base_peaks: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        aws = os.path.join(home, ".aws")
        os.makedirs(aws)
        config, credentials = make_config(n)
        with open(os.path.join(aws, "config"), "w") as handle:
            handle.write(config)
        with open(os.path.join(aws, "credentials"), "w") as handle:
            handle.write(credentials)
        os.chmod(os.path.join(aws, "credentials"), 0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLESWITCH_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"), XDG_DATA_HOME=os.path.join(home, ".local"),
                   AWS_CONFIG_FILE=os.path.join(aws, "config"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(aws, "credentials"),
                   # Bytecode as an installed program has it (pip compiles it; an editable install writes it on
                   # the first run): PYTHONDONTWRITEBYTECODE in the caller's environment would otherwise make
                   # every run recompile roleswitch's sources. A private prefix: the checkout is not touched.
                   PYTHONPYCACHEPREFIX=os.path.join(home, "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for i in range(repeat + 1):  # the first runs write bytecode and build the profile index and catalogue
            base, base_wall = _run_script(BASELINE_SCRIPT, env)
            data, wall = _run_script(FIRST_FRAME_SCRIPT, env)
            if data.get("boto3_loaded_at_first_frame"):
                raise RuntimeError("boto3 was imported before the first frame")
            if i:
                frames.append(data["frame_ms"])
                walls.append(wall)
                peaks.append(data["peak_mb"])
                base_frames.append(base["frame_ms"])
                base_walls.append(base_wall)
                base_peaks.append(base["peak_mb"])
    frame, base_frame = statistics.median(frames), statistics.median(base_frames)
    return [(f"first frame, {n:,}-profile config (in process)", frame),
            ("first frame, minimal Textual app, one Static (baseline, in process)", base_frame),
            (f"first frame, {n:,} profiles: overhead over the baseline", frame - base_frame),
            (f"first frame, {n:,} profiles / baseline (ratio, not ms)", frame / base_frame),
            (f"first frame, {n:,}-profile config (process wall time)", statistics.median(walls)),
            ("first frame, minimal Textual app (baseline, process wall time)", statistics.median(base_walls)),
            (f"peak memory to first frame, {n:,} profiles (MB, not ms)", statistics.median(peaks)),
            ("peak memory, minimal Textual app (baseline, MB, not ms)", statistics.median(base_peaks))]


def run() -> list[tuple[str, float]]:
    """(name, median ms) for each TUI benchmark (the memory row is in MB, as its name says)."""
    return bench_fuzzy() + bench_app_keystroke() + bench_first_frame()


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<62} {value:9.1f}")
