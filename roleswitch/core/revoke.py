"""Revoke a role's active sessions the way the IAM console's "Revoke active sessions" does.

IAM cannot recall temporary credentials, but it evaluates the role's policies on every request. The console
puts an inline policy named ``AWSRevokeOlderSessions`` on the role that denies everything to sessions whose
``aws:TokenIssueTime`` is before a cut-off; sessions issued after it are not affected, so nobody has to
remember to delete it. Doing it again moves the cut-off forward. (IAM User Guide, "Revoke IAM role temporary
security credentials": it needs ``iam:PutRolePolicy`` on the role; service-linked roles cannot be revoked.)

This module builds that document (pure), reads the cut-off already in place, puts the policy with an
injected IAM client, and forgets roleswitch's own cached sessions of the role issued before the cut-off.
The cut-off never moves backwards: an earlier one would give revoked sessions their permissions back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from roleswitch.core.errors import StsError, UsageError
from roleswitch.core.model import Clock, format_time, parse_time, utcnow
from roleswitch.core.trail import same_role

REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
AUDIT_API = "RevokeOlderSessions"  # the ``api`` of the audit entry a revocation records
#: A --before up to this far in the future is clock skew; further would lock out sessions not issued yet.
MAX_FUTURE_SKEW = timedelta(seconds=60)
_ASSUMED_APIS = frozenset({"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"})


@dataclass(frozen=True)
class RevokePlan:
    """What :func:`revoke_sessions` will do (or did): the role, the cut-off and the document."""

    role_arn: str
    role_name: str
    before: datetime
    document: dict[str, Any] = field(repr=False)
    previous: datetime | None = None   # the cut-off already on the role, when readable
    previous_note: str | None = None   # why the current cut-off is unknown (e.g. GetRolePolicy refused)

    @property
    def needed(self) -> bool:
        """False when the role already revokes everything issued before :attr:`before` (or later)."""
        return self.previous is None or self.previous < self.before

    @property
    def policy_json(self) -> str:
        return json.dumps(self.document, indent=2)


@dataclass(frozen=True)
class RevokeResult:
    """The outcome: ``changed`` is False when an equal or later cut-off was already in place."""

    plan: RevokePlan
    changed: bool


# ------------------------------------------------------------------------------------------------ pure

def cutoff_now(now: Clock = utcnow) -> datetime:
    """The default cut-off: now, rounded UP to a whole second.

    The policy holds whole seconds; rounding down would leave a session issued earlier in this very second
    valid, and "revoke everything issued until now" must not miss one.
    """
    value = now()
    if value.microsecond:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return value


def parse_cutoff(text: str | None, *, now: Clock = utcnow, where: str = "--before") -> datetime:
    """``--before``: ``now`` (or ``None``) or an ISO 8601 time with ``Z`` or an offset, not in the future.

    Raises UsageError for unparsable text, a time without a zone (ambiguous for a security cut-off) or a time
    more than a minute ahead (it would also lock out sessions that have not been issued yet).
    """
    if text is None or text.strip().lower() == "now":
        return cutoff_now(now)
    raw = text.strip()
    allowed = "'now' or an ISO 8601 time with Z or an offset, e.g. 2026-01-31T14:05:00Z"
    try:
        naive = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00")).tzinfo is None
        value = parse_time(raw)
    except ValueError:
        raise UsageError(f"'{raw}' is not a time", hint=allowed, where=where) from None
    if naive:
        raise UsageError(f"'{raw}' has no time zone", hint=allowed, where=where)
    if value.microsecond:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    if value - now() > MAX_FUTURE_SKEW:
        raise UsageError(f"{format_time(value)} is in the future",
                         hint="a future cut-off would also deny sessions issued from now until then; "
                              "omit --before to revoke everything issued until now", where=where)
    return value


def revoke_policy_document(before: datetime) -> dict[str, Any]:
    """The ``AWSRevokeOlderSessions`` document: deny every action on every resource to sessions whose
    ``aws:TokenIssueTime`` is before ``before`` (the document the IAM console writes)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": format_time(before)}},
        }],
    }


def policy_cutoff(document: Any) -> datetime | None:
    """The latest ``DateLessThan aws:TokenIssueTime`` of a Deny statement in ``document`` (a dict or JSON
    text, URL-encoded as IAM returns it or not); ``None`` when there is none or it cannot be read."""
    if isinstance(document, str):
        from urllib.parse import unquote

        text = document if document.lstrip().startswith("{") else unquote(document)
        try:
            document = json.loads(text)
        except ValueError:
            return None
    if not isinstance(document, Mapping):
        return None
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    found: datetime | None = None
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition")
        block = condition.get("DateLessThan") if isinstance(condition, Mapping) else None
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            if str(key).lower() != "aws:tokenissuetime":
                continue
            for text in value if isinstance(value, list) else [value]:
                try:
                    moment = parse_time(str(text))
                except ValueError:
                    continue
                found = moment if found is None or moment > found else found
    return found


def role_name_of(role_arn: str) -> str:
    """The role name in a role ARN (``arn:aws:iam::123:role/path/Name`` -> ``Name``).

    Raises UsageError when ``role_arn`` is not an IAM role ARN, or names a service-linked role (AWS does
    not allow revoking those).
    """
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise UsageError(f"'{role_arn}' is not an IAM role ARN", hint="arn:aws:iam::123456789012:role/Name",
                         where="role_arn")
    if parts[5].startswith("role/aws-service-role/"):
        raise UsageError(f"{role_arn} is a service-linked role", hint="AWS does not allow revoking the "
                         "sessions of service-linked roles", where="revoke")
    return parts[5].rsplit("/", 1)[-1]


# ------------------------------------------------------------------------------------------ AWS calls

def _iam_error(exc: BaseException, api: str, role_arn: str) -> StsError:
    from roleswitch.core.sts import error_from

    error = error_from(exc, f"iam:{api}", target=role_arn)
    if error.code in ("AccessDenied", "AccessDeniedException"):
        error.hint = (f"revoking sessions needs iam:PutRolePolicy on {role_arn}: use an identity that has "
                      "it (--using PROFILE), or ask an administrator to run this")
    elif error.code == "NoSuchEntity":
        error.hint = "the role does not exist in this account: check the profile's role_arn"
    elif error.code == "UnmodifiableEntity":
        error.hint = "the role is protected (service-linked or managed by AWS) and cannot be changed"
    elif error.code == "LimitExceeded":
        error.hint = "the role's inline policies are at their size quota: remove one to make room"
    return error


def current_cutoff(iam_client: Any, role_name: str) -> tuple[datetime | None, str | None]:
    """(cut-off already on the role, note). Best effort: (None, None) without the policy; (None, why) when
    it could not be read (e.g. iam:GetRolePolicy refused). Never raises for AWS errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = iam_client.get_role_policy(RoleName=role_name, PolicyName=REVOKE_POLICY_NAME)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        if code == "NoSuchEntity":
            return None, None
        return None, f"the current {REVOKE_POLICY_NAME} policy could not be read (iam:GetRolePolicy: {code})"
    except BotoCoreError as exc:
        return None, f"the current {REVOKE_POLICY_NAME} policy could not be read ({type(exc).__name__})"
    return policy_cutoff(body.get("PolicyDocument")), None


def plan_revoke(iam_client: Any, role_arn: str, before: datetime) -> RevokePlan:
    """Build the plan: the document for ``before`` and the cut-off already in place (read best effort).

    Raises UsageError for a non-role or service-linked ARN.
    """
    name = role_name_of(role_arn)
    previous, note = current_cutoff(iam_client, name) if iam_client is not None else (None, None)
    return RevokePlan(role_arn=role_arn, role_name=name, before=before,
                      document=revoke_policy_document(before), previous=previous, previous_note=note)


def apply_revoke(iam_client: Any, plan: RevokePlan) -> RevokeResult:
    """Put the plan's ``AWSRevokeOlderSessions`` policy on the role (replacing an older one).

    Nothing is written when an equal or later cut-off is already in place. Raises StsError (AccessDenied:
    the caller needs iam:PutRolePolicy on the role).
    """
    if not plan.needed:
        return RevokeResult(plan, changed=False)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        iam_client.put_role_policy(RoleName=plan.role_name, PolicyName=REVOKE_POLICY_NAME,
                                   PolicyDocument=json.dumps(plan.document, separators=(",", ":")))
    except (ClientError, BotoCoreError) as exc:
        raise _iam_error(exc, "PutRolePolicy", plan.role_arn) from None
    return RevokeResult(plan, changed=True)


def revoke_sessions(iam_client: Any, role_arn: str, before: datetime) -> RevokeResult:
    """Revoke every session of ``role_arn`` issued before ``before`` (see :func:`plan_revoke`,
    :func:`apply_revoke`). Raises UsageError (bad ARN, service-linked role) or StsError."""
    return apply_revoke(iam_client, plan_revoke(iam_client, role_arn, before))


# ------------------------------------------------------------------------------------------ our cache

def revoked_entries(cache: Any, role_arn: str, before: datetime) -> list[Any]:
    """roleswitch's cache entries of ``role_arn`` issued at or before ``before`` (dead once the cut-off is
    in place). A session without a creation time counts: it cannot be shown to be newer."""
    found = []
    for entry in cache.entries():
        session = entry.session
        if str(session.api) not in _ASSUMED_APIS or not same_role(session.role_arn, role_arn):
            continue
        if session.created is not None and session.created > before:
            continue
        found.append(entry)
    return found


def forget_revoked(cache: Any, role_arn: str, before: datetime) -> list[str]:
    """Remove the :func:`revoked_entries` from ``cache``; returns the profile names of the removed entries."""
    return [entry.name for entry in revoked_entries(cache, role_arn, before) if cache.delete(entry.key)]
