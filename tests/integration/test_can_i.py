"""``roleswitch can-i --policy-file ...`` as a user runs it (a real subprocess), on documented IAM cases.

Each case names its IAM User Guide page. Exit status: 0 allowed, 1 denied, 2 bad input (one line, no
traceback).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RUN_CLI: Callable[..., Any]


@pytest.fixture(autouse=True)
def _cli(isolated_env: Any, run_cli: Callable[..., Any]) -> None:
    """Every test runs the real command line with HOME and AWS files isolated under tmp_path."""
    global RUN_CLI
    RUN_CLI = run_cli


def run_cli(*args: str) -> Any:
    return RUN_CLI(*args)


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


def can_i(*args: str) -> tuple[int, dict[str, Any] | None, str, str]:
    result = run_cli("can-i", *args, "--json")
    data = json.loads(result.stdout) if result.returncode in (0, 1) else None
    return result.returncode, data, result.stdout, result.stderr


ADMIN_NO_IAM = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
]}

HOME_FOLDERS = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ListHome", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}},
    {"Sid": "OwnFolder", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"},
]}


def test_explicit_deny_wins_exit_1(tmp_path: Path) -> None:
    """reference_policies_evaluation-logic.html: an explicit deny overrides the allow."""
    policy = write(tmp_path, "admin.json", ADMIN_NO_IAM)
    code, data, _, err = can_i("--policy-file", policy, "iam:CreateUser", "arn:aws:iam::111122223333:user/x")
    assert (code, data) == (1, {"decision": "explicitDeny",
                                "matched": [{"policy": "admin.json", "statement": "NoIam"}]}), err
    code, data, _, _ = can_i("--policy-file", policy, "s3:GetObject")
    assert (code, data) == (0, {"decision": "allowed",
                                "matched": [{"policy": "admin.json", "statement": "Everything"}]})


def test_nothing_matches_is_implicit_deny(tmp_path: Path) -> None:
    """reference_policies_evaluation-logic.html: by default, requests are implicitly denied."""
    policy = write(tmp_path, "s3.json", {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    code, data, _, _ = can_i("--policy-file", policy, "ec2:RunInstances")
    assert (code, data) == (1, {"decision": "implicitDeny", "matched": []})


def test_boundary_and_session_policy_files(tmp_path: Path) -> None:
    """access_policies_boundaries.html and access_policies.html#policies_session: both narrow access."""
    identity = write(tmp_path, "identity.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "iam:CreateUser"], "Resource": "*"}]})
    boundary = write(tmp_path, "boundary.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "S3Only", "Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}]})
    session = write(tmp_path, "session.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})
    base = ["--policy-file", identity, "--boundary-file", boundary]
    assert can_i(*base, "iam:CreateUser")[:2] == (1, {"decision": "implicitDeny", "matched": []})
    code, data, _, _ = can_i(*base, "--session-policy-file", session, "s3:GetObject", "arn:aws:s3:::b/k")
    assert code == 0 and data is not None
    assert data["decision"] == "allowed"
    assert {"policy": "boundary.json", "statement": "S3Only"} in data["matched"]
    assert {"policy": "session.json", "statement": "ReadOnly"} in data["matched"]
    assert can_i(*base, "--session-policy-file", session, "s3:PutObject")[0] == 1


def test_policy_variables_and_context(tmp_path: Path) -> None:
    """reference_policies_variables.html: home folders with ${aws:username}, given with --context."""
    policy = write(tmp_path, "home.json", HOME_FOLDERS)
    bob = ["--context", "aws:username=bob"]
    assert can_i("--policy-file", policy, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/a.txt",
                 *bob)[0] == 0
    assert can_i("--policy-file", policy, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/a.txt",
                 *bob)[0] == 1
    assert can_i("--policy-file", policy, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", *bob,
                 "--context", "s3:prefix=home/bob/photos")[0] == 0
    # Without aws:username the variable cannot be resolved: nothing matches.
    assert can_i("--policy-file", policy, "s3:PutObject",
                 "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/a.txt")[0] == 1


def test_repeated_context_key_is_multivalued(tmp_path: Path) -> None:
    """reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues on aws:TagKeys."""
    policy = write(tmp_path, "tags.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Tag", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}]})
    ok = ["--context", "aws:TagKeys=environment", "--context", "aws:TagKeys=cost-center"]
    assert can_i("--policy-file", policy, "ec2:CreateTags", *ok)[0] == 0
    assert can_i("--policy-file", policy, "ec2:CreateTags", *ok, "--context", "aws:TagKeys=owner")[0] == 1


def test_text_output_names_the_deciding_statement(tmp_path: Path) -> None:
    policy = write(tmp_path, "admin.json", ADMIN_NO_IAM)
    result = run_cli("can-i", "--policy-file", policy, "iam:DeleteRole")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "explicitDeny: iam:DeleteRole on *"
    assert "admin.json statement NoIam" in result.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--policy-file", "{missing}", "s3:GetObject"], "cannot read policy file"),
    (["--policy-file", "{bad}", "s3:GetObject"], "invalid JSON"),
    (["--policy-file", "{notpolicy}", "s3:GetObject"], "Effect is 'allow'"),
    (["--policy-file", "{good}", "s3:GetObject", "--context", "aws:SourceIp"], "is not KEY=VALUE"),
    (["--policy-file", "{good}", "s3:GetObject", "--context", "nokey=1"], "is not a condition key"),
    (["--policy-file", "{good}", "s3:*"], "is not an action"),
    (["--policy-file", "{good}", "s3:GetObject", "arn", "extra"], "expected ACTION [RESOURCE]"),
    (["--boundary-file", "{good}", "s3:GetObject"], "need --policy-file"),
    (["--policy-file", "{good}", "prod-admin", "s3:GetObject"], "--policy-file replaces PROFILE"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    files = {"missing": str(tmp_path / "missing.json"), "bad": write(tmp_path, "bad.json", '{"Statement": ['),
             "notpolicy": write(tmp_path, "np.json", {"Statement": [{"Effect": "allow", "Action": "*",
                                                                     "Resource": "*"}]}),
             "good": write(tmp_path, "good.json", ADMIN_NO_IAM)}
    result = run_cli("can-i", *[a.format(**files) for a in args])
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_resource_star_hints_at_specific_resources(tmp_path: Path) -> None:
    """reference_policies_elements_resource.html: a statement on specific ARNs does not cover "*"; the text
    output says where the action would be allowed."""
    policy = write(tmp_path, "s3.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]}]})
    result = run_cli("can-i", "--policy-file", policy, "s3:GetObject")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == ("  hint: statements allow it on specific resources "
                                              "(arn:aws:s3:::b/*, arn:aws:s3:::c/*): give RESOURCE")
    assert run_cli("can-i", "--policy-file", policy, "s3:GetObject", "arn:aws:s3:::c/k").returncode == 0
