"""Benchmark: the local IAM evaluator (target: one query over 20 policies x 50 statements <= 5 ms).

Run: ``.venv/bin/python tests/bench/bench_policy.py`` (prints name and median milliseconds). Also picked up
by ``tests/bench/run.py`` through ``run() -> list[(name, median_ms)]``. Not a test: nothing asserts a time.

The policies are realistic: actions with and without wildcards across services, ARNs with wildcards and
policy variables, a third of the statements with conditions (tags, IPs, dates, set qualifiers), a few
Denies. "cold" includes compiling every document (a new process or freshly read policies); "warm" reuses
the compiled form, which is what a TUI session or repeated queries see.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roleswitch.core.policy.evaluator import NamedPolicy, Request, evaluate  # noqa: E402

SERVICES = ["s3", "ec2", "iam", "dynamodb", "lambda", "sqs", "sns", "kms", "logs", "cloudwatch"]
VERBS = ["Get", "Put", "List", "Describe", "Create", "Delete", "Update", "Tag"]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalTag/team": ["sre", "platform"]}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "owner"]}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"s3:max-keys": "100"}},
]


def make_policies(n_policies: int = 20, n_statements: int = 50) -> list[NamedPolicy]:
    """``n_policies`` documents of ``n_statements`` statements each, deterministic."""
    policies = []
    for p in range(n_policies):
        statements = []
        for s in range(n_statements):
            i = p * n_statements + s
            service = SERVICES[i % len(SERVICES)]
            verb = VERBS[(i // 3) % len(VERBS)]
            actions = [f"{service}:{verb}Thing{i % 17}", f"{service}:{verb}*"] if i % 4 else f"{service}:{verb}Item{i}"
            resource: Any = (f"arn:aws:{service}:*:111122223333:thing/{p}-{s}/*" if i % 5 else
                             [f"arn:aws:{service}:eu-west-1:111122223333:home/${{aws:username}}/*",
                              f"arn:aws:{service}:*:*:shared-{s}"])
            statement: dict[str, Any] = {"Sid": f"S{p}x{s}", "Effect": "Deny" if i % 23 == 0 else "Allow",
                                         "Action": actions, "Resource": resource}
            if i % 3 == 0:
                statement["Condition"] = CONDITIONS[i % len(CONDITIONS)]
            statements.append(statement)
        policies.append(NamedPolicy(f"policy-{p}", {"Version": "2012-10-17", "Statement": statements}))
    return policies


CONTEXT = {"aws:username": "bob", "aws:PrincipalTag/team": "sre", "aws:SourceIp": "203.0.113.9",
           "aws:TagKeys": ("env", "team"), "aws:CurrentTime": "2026-11-01T10:00:00Z",
           "aws:MultiFactorAuthPresent": "true", "s3:prefix": "home/bob/x", "s3:max-keys": "10"}

QUERIES = [
    Request("s3:GetObject", "arn:aws:s3:eu-west-1:111122223333:home/bob/file", CONTEXT),
    Request("ec2:DescribeInstances", "*", CONTEXT),
    Request("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/1234", CONTEXT),
    Request("iam:CreateUser", "arn:aws:iam::111122223333:user/x", CONTEXT),
]


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(repeat: int = 50) -> list[tuple[str, float]]:
    """(name, median ms) rows: warm queries over 20 x 50 statements, and the cold (compile + query) case."""
    policies = make_policies()
    for query in QUERIES:  # warm the compile cache once
        evaluate(query, policies)
    rows = []
    for query in QUERIES:
        rows.append((f"can-i {query.action} over 20 policies x 50 statements (warm)",
                     _median_ms(lambda q=query: evaluate(q, policies), repeat)))

    def cold() -> None:
        fresh = make_policies()  # new documents: every one is compiled again
        evaluate(QUERIES[0], fresh)

    rows.append(("can-i over 20 x 50 statements, cold (compile 1,000 statements + query)",
                 _median_ms(cold, max(5, repeat // 5))))
    boundary = make_policies(1, 50)[0]
    session = make_policies(2, 50)
    rows.append(("can-i with boundary + 2 session policies (warm)",
                 _median_ms(lambda: evaluate(QUERIES[0], policies, boundary=boundary, session_policies=session),
                            repeat)))
    return rows


if __name__ == "__main__":
    for name, ms in run():
        print(f"{name:<78} {ms:8.3f} ms")
