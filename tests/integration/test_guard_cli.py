"""``roleswitch revoke``, ``who-assumed`` and ``audit`` through the real command line.

IAM and STS are moto over HTTP. moto has no cloudtrail:LookupEvents, so ``who-assumed`` talks to
:class:`CloudTrailStandIn`, a loopback HTTP test double speaking CloudTrail's JSON 1.1 protocol (reached the
way users reach any endpoint: ``AWS_ENDPOINT_URL_CLOUDTRAIL``); it records every request it gets.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from roleswitch.core.cache import CredentialCache
from roleswitch.core.model import Credentials, Session, StsApi, parse_time

ACCOUNT = "123456789012"  # moto's default account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Admin"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
EXTERNAL_ID = "tenant-7f3a9c-external-id-value"
OLD_SECRET = "old-cached-secret/DO-NOT-PRINT"


@pytest.fixture
def iam(moto_server: str) -> Any:
    return boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def admin(aws_env: Any, iam: Any) -> str:
    iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws_env.write_config("[default]\nregion = us-east-1\n\n[profile admin]\n"
                         f"role_arn = {ROLE}\nsource_profile = default\n\n"
                         "[profile ecs-linked]\nrole_arn = arn:aws:iam::123456789012:role/aws-service-role/"
                         "ecs.amazonaws.com/AWSServiceRoleForECS\nsource_profile = default\n")
    return "admin"


def revoke_policy(iam: Any) -> dict[str, Any] | None:
    try:
        body = iam.get_role_policy(RoleName="Admin", PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return body if isinstance(body, dict) else json.loads(body)


def cut_off(document: dict[str, Any]) -> datetime:
    return parse_time(document["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"])


def one_line_failure(result: subprocess.CompletedProcess[str], code: int, *says: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roleswitch: "), result.stderr
    for text in says:
        assert text in lines[0]


def audit_json(run_cli: Callable[..., Any], *args: str) -> list[dict[str, Any]]:
    result = run_cli("audit", "--json", *args)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


# ---------------------------------------------------------------------------------------------- revoke

def test_revoke_puts_the_policy_forgets_old_sessions_and_audits(admin: str, iam: Any, aws_env: Any,
                                                               run_cli: Callable[..., Any]) -> None:
    cache = CredentialCache(str(aws_env.cache_dir))
    now = datetime.now(UTC)
    old = Session(profile="admin", role_arn=ROLE, api=StsApi.ASSUME_ROLE, created=now - timedelta(hours=1),
                  credentials=Credentials("ASIAOLDCACHED", OLD_SECRET, "old-token", now + timedelta(hours=2)))
    old_key = cache.key("admin", "old-options")
    cache.put(old_key, old)

    before = now.replace(microsecond=0)
    result = run_cli("revoke", admin, "--yes", "--reason", "INC-42 leaked keys")
    after = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    assert result.returncode == 0, result.stderr
    document = revoke_policy(iam)
    assert document is not None and before <= cut_off(document) <= after
    assert document["Statement"][0] | {"Condition": None} == {"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                                                               "Condition": None}
    assert f"Revoked every session of {ROLE} issued before" in result.stdout
    assert "AWSRevokeOlderSessions" in result.stdout and "Forgot" in result.stdout
    assert cache.entry(old_key) is None  # our own revoked session is gone
    entries = audit_json(run_cli)
    assert [e["api"] for e in entries] == ["AssumeRole", "RevokeOlderSessions"]  # a fresh session did it
    entry = entries[-1]
    assert (entry["profile"], entry["outcome"], entry["role_arn"], entry["reason"]) == (
        "admin", "ok", ROLE, "INC-42 leaked keys")
    assert "sessions issued before" in entry["detail"] and "assumed-role/Admin/" in entry["detail"]
    trail = (aws_env.data_dir / "audit.jsonl").read_text()
    for text in (result.stdout, result.stderr, trail):
        assert aws_env.secret_access_key not in text and OLD_SECRET not in text


def test_revoke_again_never_moves_the_cutoff_back(admin: str, iam: Any, run_cli: Callable[..., Any]) -> None:
    assert run_cli("revoke", admin, "--yes").returncode == 0
    first = cut_off(revoke_policy(iam) or {})
    earlier = (first - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_cli("revoke", admin, "--yes", "--before", earlier)
    assert result.returncode == 0, result.stderr
    assert "Nothing to change" in result.stdout
    assert cut_off(revoke_policy(iam) or {}) == first
    assert "unchanged" in audit_json(run_cli)[-1]["detail"]


def test_revoke_using_another_profile(admin: str, iam: Any, run_cli: Callable[..., Any]) -> None:
    result = run_cli("revoke", admin, "--yes", "--using", "default")
    assert result.returncode == 0, result.stderr
    assert revoke_policy(iam) is not None
    assert "put as default" in result.stdout
    assert [e["api"] for e in audit_json(run_cli)] == ["RevokeOlderSessions"]  # no AssumeRole was needed


def test_revoke_without_a_terminal_refuses(admin: str, iam: Any, run_cli: Callable[..., Any]) -> None:
    result = run_cli("revoke", admin)  # stdin is /dev/null, as in CI
    one_line_failure(result, 2, "stdin is not a terminal", "--yes")
    assert revoke_policy(iam) is None
    assert audit_json(run_cli) == []  # nothing was called


def _run_on_a_terminal(args: list[str], typed: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a real pseudo-terminal as stdin and type ``typed``."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "roleswitch", *args], stdin=terminal,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        os.close(terminal)
        terminal = -1
        os.write(controller, typed.encode() + b"\n")
        out, err = process.communicate(timeout=120)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def test_revoke_on_a_terminal_asks_for_the_role_name(admin: str, iam: Any) -> None:
    wrong = _run_on_a_terminal(["revoke", admin], "admin")  # the profile, not the role name
    assert wrong.returncode == 2, wrong.stderr
    assert "Type the role name to confirm" in wrong.stderr
    assert "not confirmed: nothing was changed" in wrong.stderr and wrong.stdout == ""
    assert revoke_policy(iam) is None
    right = _run_on_a_terminal(["revoke", admin], "Admin")
    assert right.returncode == 0, right.stderr
    assert revoke_policy(iam) is not None


def test_revoke_dry_run_prints_the_policy_and_changes_nothing(admin: str, iam: Any, aws_env: Any,
                                                             run_cli: Callable[..., Any]) -> None:
    cache = CredentialCache(str(aws_env.cache_dir))
    issued = datetime(2026, 1, 31, 12, tzinfo=UTC)
    key = cache.key("admin")
    cache.put(key, Session(profile="admin", role_arn=ROLE, created=issued, credentials=Credentials(
        "ASIAOLDCACHED", OLD_SECRET, "old-token", datetime.now(UTC) + timedelta(hours=1))))
    result = run_cli("revoke", admin, "--dry-run", "--before", "2026-01-31T14:05:00+01:00")
    assert result.returncode == 0, result.stderr
    start, end = result.stdout.index("{"), result.stdout.rindex("}") + 1
    assert json.loads(result.stdout[start:end]) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                       "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-01-31T13:05:00Z"}}}]}
    assert "Would put inline policy AWSRevokeOlderSessions on " + ROLE in result.stdout
    assert "and forget 1 cached session(s): admin" in result.stdout
    assert revoke_policy(iam) is None and audit_json(run_cli) == []
    assert cache.entry(key) is not None and OLD_SECRET not in result.stdout


@pytest.mark.parametrize(("args", "code", "says"), [
    (["admin", "--yes", "--before", "2026-01-31T14:05:00"], 2, "--before: '2026-01-31T14:05:00' has no time zone"),
    (["admin", "--yes", "--before", "2999-01-01T00:00:00Z"], 2, "is in the future"),
    (["admin", "--yes", "--before", "soon"], 2, "is not a time"),
    (["default", "--yes"], 2, "profile default is not a role"),
    (["ecs-linked", "--yes"], 2, "is a service-linked role"),
    (["nope", "--yes"], 3, "nope"),
])
def test_revoke_bad_input_is_one_line(admin: str, iam: Any, run_cli: Callable[..., Any], args: list[str],
                                      code: int, says: str) -> None:
    one_line_failure(run_cli("revoke", *args), code, says)
    assert revoke_policy(iam) is None


def test_revoke_of_a_missing_role_is_an_aws_error_and_audited(aws_env: Any, run_cli: Callable[..., Any]) -> None:
    aws_env.write_config("[default]\nregion = us-east-1\n\n[profile ghost]\n"
                         f"role_arn = arn:aws:iam::{ACCOUNT}:role/Ghost\nsource_profile = default\n")
    result = run_cli("revoke", "ghost", "--yes", "--using", "default")
    one_line_failure(result, 4, "iam:PutRolePolicy", "NoSuchEntity")
    entry = audit_json(run_cli)[-1]
    assert (entry["api"], entry["outcome"], entry["error_code"]) == ("RevokeOlderSessions", "error", "NoSuchEntity")


# ----------------------------------------------------------------------------------- who-assumed (stand-in)

def _record(event_id: str, when: str, *, caller: str, session: str, source_identity: str | None = None,
            external_id: str | None = None, tags: dict[str, str] | None = None, error: str | None = None,
            role: str = ROLE) -> dict[str, Any]:
    params: dict[str, Any] = {"roleArn": role, "roleSessionName": session, "durationSeconds": 3600}
    if source_identity:
        params["sourceIdentity"] = source_identity
    if external_id:
        params["externalId"] = external_id
    if tags:
        params["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    kind = "IAMUser" if ":user/" in caller else "AssumedRole"
    record: dict[str, Any] = {
        "eventVersion": "1.08", "eventTime": when, "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.64", "userAgent": "aws-cli/1.36",
        "userIdentity": {"type": kind, "arn": caller, "accountId": ACCOUNT, "principalId": "AIDAEXAMPLE"},
        "requestParameters": params, "eventID": event_id, "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
        "responseElements": None if error else {"credentials": {"accessKeyId": "ASIAEXAMPLE",
                                                                "sessionToken": "IQoJEXAMPLETOKEN",
                                                                "expiration": "Mar 4, 2026, 10:15:02 AM"}},
    }
    if error:
        record["errorCode"] = error
    return record


class CloudTrailStandIn:
    """A loopback CloudTrail (JSON 1.1) test double: answers LookupEvents from ``pages`` and records requests.

    ``pages[(event_name, next_token)]`` -> (records, next_token). ``deny`` answers AccessDeniedException.
    """

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str | None], tuple[list[dict[str, Any]], str | None]] = {}
        self.requests: list[dict[str, Any]] = []
        self.deny = False
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                scope = self.headers.get("Authorization", "").split("Credential=", 1)[-1].split("/")
                stand_in.requests.append({"target": self.headers.get("X-Amz-Target"), "body": body,
                                          "region": scope[2] if len(scope) > 2 else None})
                if stand_in.deny:
                    self._send(400, {"__type": "AccessDeniedException", "message": "User: arn:aws:sts::"
                                     f"{ACCOUNT}:assumed-role/Admin/x is not authorized to perform: "
                                     "cloudtrail:LookupEvents"})
                    return
                name = body["LookupAttributes"][0]["AttributeValue"]
                records, token = stand_in.pages.get((name, body.get("NextToken")), ([], None))
                events = [{"EventId": r["eventID"], "EventName": r["eventName"], "ReadOnly": "true",
                           "EventTime": parse_time(r["eventTime"]).timestamp(), "EventSource": "sts.amazonaws.com",
                           "CloudTrailEvent": json.dumps(r)} for r in records]
                self._send(200, {"Events": events, **({"NextToken": token} if token else {})})

            def _send(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CloudTrailStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloudtrail(admin: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudTrailStandIn]:
    with CloudTrailStandIn() as stand_in:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", stand_in.url)
        yield stand_in


ALICE = _record("e-alice", "2026-03-04T09:15:02Z", caller=f"arn:aws:iam::{ACCOUNT}:user/alice",
                session="alice@laptop", source_identity="alice", external_id=EXTERNAL_ID,
                tags={"ticket": "INC-42 tag value", "team": "sre"})
CI = _record("e-ci", "2026-03-04T11:00:00Z", caller=f"arn:aws:sts::{ACCOUNT}:assumed-role/CI/botocore-session-1",
             session="botocore-session-1709550000")
DENIED = _record("e-denied", "2026-03-04T12:00:00Z", caller=f"arn:aws:iam::{ACCOUNT}:user/mallory",
                 session="1709553600000000000", error="AccessDenied")
OTHER = _record("e-other", "2026-03-04T10:00:00Z", caller=f"arn:aws:iam::{ACCOUNT}:user/bob", session="bob",
                role=f"arn:aws:iam::{ACCOUNT}:role/Dev")


def test_who_assumed_pages_through_cloudtrail_and_flags_unattributable(cloudtrail: CloudTrailStandIn,
                                                                        run_cli: Callable[..., Any]) -> None:
    cloudtrail.pages[("AssumeRole", None)] = ([ALICE, OTHER], "page-2")
    cloudtrail.pages[("AssumeRole", "page-2")] = ([CI, DENIED], None)
    result = run_cli("who-assumed", "admin", "--hours", "48")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"AssumeRole* calls for {ROLE} in the last 48 h (us-east-1): 3" in out
    rows = [line for line in out.splitlines() if "2026-03-04T" in line]
    assert [r.split()[0] for r in rows] == ["!", "!", "2026-03-04T09:15:02Z"]  # newest first, flagged rows marked
    assert "botocore-session-1709550000" in rows[1] and "AccessDenied" in rows[0]
    assert "alice@laptop" in rows[2] and "ticket,team" in rows[2] and " yes " in rows[2]
    assert "! 2 of 3 sessions cannot be attributed to a person" in out
    assert "sts:SourceIdentity" in out
    assert "e-other" not in out and "bob" not in out
    for secret in (EXTERNAL_ID, "INC-42 tag value", "IQoJEXAMPLETOKEN"):
        assert secret not in out
    # Exact requests: one attribute per call (EventName), the window, pagination, every AssumeRole* API.
    bodies = [r["body"] for r in cloudtrail.requests]
    assert {r["target"] for r in cloudtrail.requests} == {
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}
    assert [(b["LookupAttributes"], b.get("NextToken")) for b in bodies] == [
        ([{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}], None),
        ([{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}], "page-2"),
        ([{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithSAML"}], None),
        ([{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithWebIdentity"}], None)]
    assert all(b["EndTime"] - b["StartTime"] == 48 * 3600 and b["MaxResults"] == 50 for b in bodies)
    assert {r["region"] for r in cloudtrail.requests} == {"us-east-1"}


def test_who_assumed_json_and_regions(cloudtrail: CloudTrailStandIn, run_cli: Callable[..., Any]) -> None:
    cloudtrail.pages[("AssumeRole", None)] = ([ALICE, CI], None)
    result = run_cli("who-assumed", "admin", "--json", "--region", "eu-west-1", "--region", "us-east-1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["role_arn"] == ROLE and data["regions"] == ["eu-west-1", "us-east-1"]
    assert data["unattributable"] == 1 and data["scanned"] == 4 and data["truncated"] is False
    assert [(e["event_id"], e["attributable"], e["external_id"]) for e in data["events"]] == [
        ("e-ci", False, False), ("e-alice", True, True)]  # the same event seen in two regions is shown once
    assert data["events"][1]["tag_keys"] == ["ticket", "team"]
    assert EXTERNAL_ID not in result.stdout and "INC-42 tag value" not in result.stdout
    assert [r["region"] for r in cloudtrail.requests].count("eu-west-1") == 3


def test_who_assumed_access_denied(cloudtrail: CloudTrailStandIn, run_cli: Callable[..., Any]) -> None:
    cloudtrail.deny = True
    one_line_failure(run_cli("who-assumed", "admin"), 4, "AccessDeniedException", "cloudtrail:LookupEvents",
                     f"role's account ({ACCOUNT})")


@pytest.mark.parametrize(("args", "says"), [
    (["--hours", "0"], "--hours: 0 hours is out of range"),
    (["--hours", "2161"], "(1..2160"),
    (["--region", "moon-1"], "--region: 'moon-1' is not an AWS region"),
    (["--max-pages", "0"], "--max-pages"),
])
def test_who_assumed_bad_input(cloudtrail: CloudTrailStandIn, run_cli: Callable[..., Any], args: list[str],
                               says: str) -> None:
    one_line_failure(run_cli("who-assumed", "admin", *args), 2, says)
    assert cloudtrail.requests == []


# ---------------------------------------------------------------------------------------------- audit

def test_audit_shows_the_trail(admin: str, aws_env: Any, run_cli: Callable[..., Any]) -> None:
    empty = run_cli("audit")
    assert empty.returncode == 0 and empty.stdout.startswith("No audit entries (the trail is ")
    assert run_cli("export", admin, "--reason", "OPS-7 look at logs").returncode == 0
    assert run_cli("revoke", admin, "--yes", "--using", "default", "--reason", "INC-42").returncode == 0
    result = run_cli("audit")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["TIME", "RESULT", "PROFILE", "API", "SESSION", "NAME", "REASON", "ROLE", "/", "DETAIL"]
    assert "AssumeRole" in lines[1] and "OPS-7 look at logs" in lines[1] and ROLE in lines[1]
    assert "RevokeOlderSessions" in lines[2] and "INC-42" in lines[2] and "AWSRevokeOlderSessions" in lines[2]
    assert aws_env.secret_access_key not in result.stdout
    assert [e["api"] for e in audit_json(run_cli, "--since", "1h")] == ["AssumeRole", "RevokeOlderSessions"]
    assert [e["api"] for e in audit_json(run_cli, "--limit", "1")] == ["RevokeOlderSessions"]
    assert audit_json(run_cli, "--profile", "default") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert audit_json(run_cli, "--since", future) == []
    assert run_cli("audit", "--since", future).stdout.startswith("No audit matching entries")


def test_audit_hostile_text_cannot_drive_the_terminal(aws_env: Any, run_cli: Callable[..., Any]) -> None:
    from roleswitch.core.audit import AuditLog

    AuditLog(str(aws_env.data_dir / "audit.jsonl"), user="u", host="h").record(
        profile="p\x1b]0;pwned\x07", api="AssumeRole", outcome="ok", reason="why\x1b[2J")
    result = run_cli("audit")
    assert result.returncode == 0 and "\x1b" not in result.stdout and "p?]0;pwned?" in result.stdout


def test_parse_since() -> None:
    from roleswitch.cli.guard_cmds import parse_since

    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert parse_since("2h", now=now) == now - timedelta(hours=2)
    assert parse_since("1h30m", now=now) == now - timedelta(minutes=90)
    assert parse_since("7d", now=now) == now - timedelta(days=7)
    assert parse_since("2026-03-01T00:00:00+01:00", now=now) == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert parse_since("2026-03-01", now=now) == datetime(2026, 3, 1, tzinfo=UTC)  # no zone: UTC


@pytest.mark.parametrize(("args", "says"), [
    (["--since", "yesterday"], "--since: 'yesterday' is not a duration or a time"),
    (["--limit", "0"], "--limit"),
])
def test_audit_bad_input(isolated_env: Any, run_cli: Callable[..., Any], args: list[str], says: str) -> None:
    one_line_failure(run_cli("audit", *args), 2, says)
