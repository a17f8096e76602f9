"""Timing helpers for the benchmark (not a test module; pytest does not collect tests/bench).

Hyperfine-like: a few warm-up runs, then N timed runs; we report the median (robust on a shared machine)
with min and max so a noisy run is visible.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Wall-clock times of one benchmark, in milliseconds."""

    name: str
    median_ms: float
    min_ms: float
    max_ms: float
    runs: int

    def row(self) -> str:
        return f"{self.name:<58} {self.median_ms:9.1f} ms   (min {self.min_ms:.1f}, max {self.max_ms:.1f}, n={self.runs})"


class CommandFailed(RuntimeError):
    """A benchmarked command exited nonzero (the message is its first stderr line, never stdout)."""


def _stats(name: str, samples: Sequence[float]) -> Stats:
    return Stats(name, statistics.median(samples), min(samples), max(samples), len(samples))


def measure_command(
    name: str, argv: Sequence[str], env: Mapping[str, str], *, runs: int = 30, warmup: int = 3
) -> Stats:
    """Run ``argv`` ``warmup`` times untimed, then ``runs`` times timed; raise CommandFailed on a nonzero exit.

    stdout is discarded (it may hold credentials); stdin is /dev/null.
    """
    samples: list[float] = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        result = subprocess.run(
            list(argv), env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, check=False,
        )
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != 0:
            first = (result.stderr.decode(errors="replace").strip().splitlines() or ["(no stderr)"])[-1]
            raise CommandFailed(f"exit {result.returncode}: {first[:200]}")
        if i >= warmup:
            samples.append(elapsed)
    return _stats(name, samples)


def measure_call(name: str, fn: Callable[[], object], *, runs: int = 30, warmup: int = 3) -> Stats:
    """Time an in-process call the same way (for TUI/policy hook benchmarks)."""
    samples: list[float] = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - start) * 1000
        if i >= warmup:
            samples.append(elapsed)
    return _stats(name, samples)
