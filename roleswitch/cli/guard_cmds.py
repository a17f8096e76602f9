"""The STS failure-mode guards: ``revoke`` (sessions that must die), ``who-assumed`` (sessions nobody can
attribute) and ``audit`` (what roleswitch itself did, and why).

Errors are RoleswitchError and become one line and an exit code in cli/app.py (2 usage, 3 config, 4 AWS).
Nothing printed here holds a secret: no keys, tokens, External IDs (only whether one was sent) or tag values
from CloudTrail.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from roleswitch.core.errors import RoleswitchError, StsError, UsageError

_API_LABELS = {"AssumeRole": "AssumeRole", "AssumeRoleWithSAML": "SAML", "AssumeRoleWithWebIdentity": "WebIdentity"}
MAX_HOURS = 90 * 24  # CloudTrail event history keeps 90 days
_DURATION_RE = re.compile(r"(\d+)\s*([smhdw])", re.ASCII | re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

REVOKE_EXAMPLES = """\
  roleswitch revoke prod-admin                     # asks you to type the role name to confirm
  roleswitch revoke prod-admin --dry-run           # print the policy, change nothing
  roleswitch revoke prod-admin --yes --reason "INC-42 leaked keys"
  roleswitch revoke prod-admin --before 2026-01-31T14:05:00Z --using security-admin --yes

It puts the inline policy AWSRevokeOlderSessions on the role (as the IAM console's "Revoke active
sessions" does): every session issued before the cut-off is denied everything; newer ones are not affected.
Needs iam:PutRolePolicy on the role. Without a terminal, --yes is required.
"""

WHO_EXAMPLES = """\
  roleswitch who-assumed prod-admin                # the last 24 hours
  roleswitch who-assumed prod-admin --hours 168 --region eu-west-1
  roleswitch who-assumed prod-admin --json | jq '.events[] | select(.attributable | not)'

Reads CloudTrail event history (needs cloudtrail:LookupEvents in the role's account). Rows marked ! are
sessions nothing names a person in: no SourceIdentity and an SDK-default or timestamp session name.
"""

AUDIT_EXAMPLES = """\
  roleswitch audit                                 # everything roleswitch did, oldest first
  roleswitch audit --since 2h
  roleswitch audit --since 2026-01-31T00:00:00Z --profile prod-admin --json
"""


def register(subparsers: Any) -> None:
    """Add ``revoke``, ``who-assumed`` and ``audit``."""
    from roleswitch.cli.app import add_command

    p = add_command(
        subparsers, "revoke", func=cmd_revoke,
        help="revoke a role's active sessions (AWSRevokeOlderSessions)",
        description="Deny everything to every session of PROFILE's role issued before a cut-off (default: "
                    "now), for every user of the role, and forget roleswitch's cached sessions of it.",
        examples=REVOKE_EXAMPLES)
    p.add_argument("profile", metavar="PROFILE", help="the role profile whose sessions to revoke")
    p.add_argument("--before", metavar="TIME",
                   help="revoke sessions issued before TIME (ISO 8601 with Z or an offset; default now)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="print the policy that would be put; change nothing")
    p.add_argument("--using", metavar="PROFILE",
                   help="call IAM as this profile (default: a fresh session of the role itself)")
    p.add_argument("--reason", metavar="TEXT", help="why (a ticket); recorded in the audit trail")

    p = add_command(
        subparsers, "who-assumed", func=cmd_who_assumed,
        help="who assumed a role recently (CloudTrail), flagging sessions nobody can attribute",
        examples=WHO_EXAMPLES)
    p.add_argument("profile", metavar="PROFILE", help="the role profile to look up")
    p.add_argument("--hours", type=int, default=24, metavar="N", help=f"look back N hours (1..{MAX_HOURS}, default 24)")
    p.add_argument("--region", action="append", default=[], metavar="REGION", dest="regions",
                   help="CloudTrail region to read (repeatable; default: the role's region and us-east-1, "
                        "where the global STS endpoint logs)")
    p.add_argument("--using", metavar="PROFILE",
                   help="read CloudTrail as this profile (default: the role's own session)")
    p.add_argument("--reason", metavar="TEXT", help="reason to give when the role requires one")
    p.add_argument("--max-pages", type=int, default=20, metavar="N",
                   help="at most N pages of 50 events per API and region (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add_command(
        subparsers, "audit", func=cmd_audit,
        help="show roleswitch's local audit trail (who, what role, why, outcome)",
        examples=AUDIT_EXAMPLES)
    p.add_argument("--since", metavar="WHEN", help="only entries since WHEN: a duration (30m, 2h, 7d) or an "
                   "ISO 8601 time")
    p.add_argument("--profile", metavar="PROFILE", help="only entries for this profile")
    p.add_argument("--limit", type=int, metavar="N", help="only the last N matching entries")
    p.add_argument("--json", action="store_true", help="machine-readable output (a JSON list)")


# ------------------------------------------------------------------------------------------ shared

def _printable(text: object) -> str:
    from roleswitch.cli.status import printable

    return printable(text)


def _table(rows: Sequence[Sequence[str]], *, last_free: bool = True) -> list[str]:
    """Left-aligned columns; the last column is not padded (it may be long)."""
    cells = [[_printable(c) for c in row] for row in rows]
    count = max(len(r) for r in cells)
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(count)]
    lines = []
    for row in cells:
        parts = [c if (last_free and i == len(row) - 1) else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
    return lines


def _role_of(ctx: Any, profile: str) -> Any:
    role = ctx.catalogue.get(profile)
    if not role.role_arn:
        raise UsageError(f"profile {profile} is not a role (it has no role_arn)",
                         hint="give a role profile", where=profile)
    return role


def _caller_session(ctx: Any, role: Any, using: str | None, reason: str | None, *, fresh: bool) -> Any:
    """The session to call AWS with: ``--using`` profile's, or the role's own (``fresh``: a new STS call, so
    a cached session an earlier revocation killed is not used)."""
    from roleswitch.core.engine import AssumeOptions

    if using:
        return ctx.engine.obtain(ctx.catalogue.get(using), AssumeOptions(reason=reason))
    return ctx.engine.obtain(role, AssumeOptions(reason=reason, use_cache=not fresh))


def _client(session: Any, service: str, region: str) -> Any:
    from roleswitch.core import sts as stsmod
    from roleswitch.core.engine import shared_boto_session

    creds = session.credentials
    boto = shared_boto_session(aws_access_key_id=creds.access_key_id,
                               aws_secret_access_key=creds.secret_access_key,
                               aws_session_token=creds.session_token, region_name=region)
    return stsmod.make_client(boto, service, region=region)


# ------------------------------------------------------------------------------------------ revoke

def confirm_on_terminal(role_name: str) -> bool:
    """Ask on the terminal to type the role name. UsageError when stdin is not a terminal (CI)."""
    if not sys.stdin.isatty():
        raise UsageError("refusing to revoke without confirmation: stdin is not a terminal",
                         hint="pass --yes to confirm non-interactively", where="revoke")
    sys.stderr.write(f"This denies every current session of role {_printable(role_name)} for everyone "
                     f"using it.\nType the role name to confirm: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    return answer == role_name


def cmd_revoke(args: argparse.Namespace) -> int:
    from roleswitch.cli import common
    from roleswitch.core import revoke
    from roleswitch.core.model import format_time

    before = revoke.parse_cutoff(args.before)  # taken first: "now" is when the user asked
    ctx = common.open_context()
    role = _role_of(ctx, args.profile)
    name = revoke.role_name_of(role.role_arn)
    if args.dry_run:
        plan = revoke.RevokePlan(role.role_arn, name, before, revoke.revoke_policy_document(before))
        cached = [e.name for e in revoke.revoked_entries(ctx.cache, role.role_arn, before)]
        out = [f"Would put inline policy {revoke.REVOKE_POLICY_NAME} on {role.role_arn}",
               f"denying every session issued before {format_time(before)}:", plan.policy_json]
        if cached:
            out.append(f"and forget {len(cached)} cached session(s): {', '.join(sorted(set(cached)))}")
        sys.stdout.write("\n".join(_printable(line) if i != 2 else line for i, line in enumerate(out)) + "\n")
        return 0
    if not args.yes and not confirm_on_terminal(name):
        raise UsageError("not confirmed: nothing was changed", hint=f"type {name} exactly, or pass --yes",
                         where="revoke")
    audit = ctx.engine.audit
    try:
        session = _caller_session(ctx, role, args.using, args.reason, fresh=not args.using)
        caller = session.assumed_arn or session.profile
        iam = _client(session, "iam", session.region or "us-east-1")
        plan = revoke.plan_revoke(iam, role.role_arn, before)
        result = revoke.apply_revoke(iam, plan)
    except RoleswitchError as exc:
        _audit_revoke(audit, role, args, before, error=exc)
        raise
    effective = before if result.changed else (plan.previous or before)
    forgotten = revoke.forget_revoked(ctx.cache, role.role_arn, effective)
    _audit_revoke(audit, role, args, before, caller=caller, changed=result.changed, effective=effective)
    lines = []
    if result.changed:
        lines.append(f"Revoked every session of {role.role_arn} issued before {format_time(before)}")
        lines.append(f"(inline policy {revoke.REVOKE_POLICY_NAME}, put as {caller}; IAM may take a few "
                     "minutes to apply it everywhere).")
        if plan.previous is not None:
            lines.append(f"The previous cut-off was {format_time(plan.previous)}.")
    else:
        lines.append(f"Nothing to change: {role.role_arn} already revokes sessions issued before "
                     f"{format_time(effective)} (later than {format_time(before)}).")
    if plan.previous_note:
        lines.append(f"note: {plan.previous_note}; the policy was replaced as requested.")
    lines.append(f"Forgot {len(forgotten)} cached session{'s' if len(forgotten) != 1 else ''} of the role.")
    sys.stdout.write("\n".join(_printable(line) for line in lines) + "\n")
    return 0


def _audit_revoke(audit: Any, role: Any, args: argparse.Namespace, before: datetime, *, caller: str | None = None,
                  changed: bool = True, effective: datetime | None = None,
                  error: RoleswitchError | None = None) -> None:
    from roleswitch.core.model import format_time
    from roleswitch.core.revoke import AUDIT_API, REVOKE_POLICY_NAME

    if error is None:
        detail = (f"{REVOKE_POLICY_NAME}: sessions issued before {format_time(before)} denied" if changed else
                  f"{REVOKE_POLICY_NAME} unchanged: already denies sessions issued before "
                  f"{format_time(effective or before)}")
        if caller:
            detail += f"; put as {caller}"
    else:
        detail = f"{REVOKE_POLICY_NAME} for sessions issued before {format_time(before)} not put"
    try:
        audit.record(profile=role.name, api=AUDIT_API, outcome="error" if error else "ok", role_arn=role.role_arn,
                     reason=args.reason, detail=detail,
                     error_code=getattr(error, "code", None) or (type(error).__name__ if error else None),
                     error=error.one_line() if error else None)
    except OSError:
        pass  # an unwritable audit folder must not hide the outcome of the revocation itself


# ------------------------------------------------------------------------------------------ who-assumed

def _regions(args: argparse.Namespace, ctx: Any, role: Any) -> list[str]:
    from roleswitch.cli.common import check_region

    for region in args.regions:
        check_region(region)
    if args.regions:
        return list(dict.fromkeys(args.regions))
    from roleswitch.core.engine import AssumeOptions

    # The region the engine would call STS in for this role (its profile, settings, environment).
    region_of = getattr(ctx.engine, "_region", None)
    home = region_of(role, AssumeOptions()) if region_of is not None else (role.region or "us-east-1")
    return list(dict.fromkeys([home, "us-east-1"]))


def cmd_who_assumed(args: argparse.Namespace) -> int:
    from roleswitch.cli import common
    from roleswitch.core import trail
    from roleswitch.core.model import utcnow

    if not 1 <= args.hours <= MAX_HOURS:
        raise UsageError(f"{args.hours} hours is out of range", hint=f"1..{MAX_HOURS} (CloudTrail keeps 90 days)",
                         where="--hours")
    if not 1 <= args.max_pages <= 1000:
        raise UsageError(f"{args.max_pages} is out of range", hint="1..1000", where="--max-pages")
    ctx = common.open_context()
    role = _role_of(ctx, args.profile)
    regions = _regions(args, ctx, role)
    end = utcnow().replace(microsecond=0)
    start = end - timedelta(hours=args.hours)
    session = _caller_session(ctx, role, args.using, args.reason, fresh=False)
    results = []
    for region in regions:
        client = _client(session, "cloudtrail", region)
        try:
            results.append(trail.lookup_assume_events(client, role.role_arn, start=start, end=end,
                                                      max_pages=args.max_pages))
        except StsError as exc:
            exc.where = exc.where or f"who-assumed ({region})"
            raise
    merged = trail.merge(results)
    if args.json:
        data = {"role_arn": role.role_arn, "start": _iso(start), "end": _iso(end), "regions": regions,
                "scanned": merged.scanned, "truncated": merged.truncated,
                "unattributable": sum(1 for e in merged.events if e.unattributable),
                "events": [e.to_dict() for e in merged.events]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    sys.stdout.write(render_who(role.role_arn, merged, hours=args.hours, regions=regions, pages=args.max_pages))
    return 0


def _iso(value: datetime) -> str:
    from roleswitch.core.model import format_time

    return format_time(value)


def render_who(role_arn: str, result: Any, *, hours: int, regions: Sequence[str], pages: int) -> str:
    """The human table of :func:`roleswitch.core.trail.lookup_assume_events` results."""
    events = result.events
    head = (f"AssumeRole* calls for {role_arn} in the last {hours} h ({', '.join(regions)}): {len(events)}")
    lines = [_printable(head)]
    if not events:
        lines.append("None found. CloudTrail logs STS calls in the region of the endpoint used: try --region.")
    else:
        rows: list[list[str]] = [["", "TIME", "API", "RESULT", "CALLER", "SESSION NAME", "SOURCE IDENTITY",
                                  "SOURCE IP", "EXT-ID", "TAG KEYS"]]
        for e in events:
            rows.append(["!" if e.unattributable else "", _iso(e.time), _API_LABELS.get(e.event_name, e.event_name),
                         e.error_code or "ok", e.caller or "-", e.session_name or "-", e.source_identity or "-",
                         e.source_ip or "-", "yes" if e.external_id else "no", ",".join(e.tag_keys) or "-"])
        lines += [""] + _table(rows)
        bad = [e for e in events if e.unattributable]
        if bad:
            reasons = sorted({str(e.unattributable) for e in bad})
            lines += ["", f"! {len(bad)} of {len(events)} sessions cannot be attributed to a person: "
                      + "; ".join(reasons) + "."]
            lines.append("  Require sts:SourceIdentity in the role's trust policy; roleswitch sets it with "
                         "[defaults] source_identity = true.")
    if result.truncated:
        lines.append(f"note: stopped after {pages} pages per API and region ({result.scanned} events read): "
                     "use a smaller --hours or a larger --max-pages.")
    return "\n".join(_printable(line) for line in lines) + "\n"


# ------------------------------------------------------------------------------------------ audit

def parse_since(text: str, *, now: datetime) -> datetime:
    """``--since``: a duration back from now (``90s``, ``30m``, ``2h``, ``7d``, ``1w``, ``1h30m``) or an
    ISO 8601 time (UTC when it has no zone). Raises UsageError."""
    from roleswitch.core.model import parse_time

    raw = text.strip()
    pieces = _DURATION_RE.findall(raw)
    if pieces and "".join(f"{n}{u}" for n, u in pieces) == re.sub(r"\s+", "", raw):
        seconds = sum(int(n) * _UNITS[u.lower()] for n, u in pieces)
        return now - timedelta(seconds=seconds)
    try:
        return parse_time(raw)
    except ValueError:
        raise UsageError(f"'{raw}' is not a duration or a time",
                         hint="e.g. 30m, 2h, 7d, or 2026-01-31T00:00:00Z", where="--since") from None


def cmd_audit(args: argparse.Namespace) -> int:
    from roleswitch.core import paths
    from roleswitch.core.audit import AUDIT_FILE, AuditLog
    from roleswitch.core.model import parse_time, utcnow

    if args.limit is not None and args.limit < 1:
        raise UsageError(f"{args.limit} is not a positive number", hint="e.g. --limit 20", where="--limit")
    since = parse_since(args.since, now=utcnow()) if args.since else None
    path = os.path.join(paths.data_dir(), AUDIT_FILE)
    entries = AuditLog(path, user="", host="").entries()
    kept = []
    for entry in entries:
        if args.profile is not None and entry.profile != args.profile:
            continue
        if since is not None:
            try:
                if parse_time(entry.time) < since:
                    continue
            except ValueError:
                continue
        kept.append(entry)
    if args.limit is not None:
        kept = kept[-args.limit:]
    if args.json:
        from dataclasses import asdict

        data = [{k: v for k, v in asdict(e).items() if v not in (None, {})} for e in kept]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not kept:
        what = "matching entries" if (since or args.profile) else "entries"
        sys.stdout.write(_printable(f"No audit {what} (the trail is {path}).") + "\n")
        return 0
    rows = [["TIME", "RESULT", "PROFILE", "API", "SESSION NAME", "REASON", "ROLE / DETAIL"]]
    for e in kept:
        result = e.outcome if e.outcome != "error" else f"error:{e.error_code or '?'}"
        last = e.role_arn or "-"
        if e.detail:
            last += f" ({e.detail})"
        rows.append([e.time, result, e.profile, e.api, e.session_name or "-", e.reason or "-", last])
    sys.stdout.write("\n".join(_table(rows)) + "\n")
    return 0
