"""The local audit trail: one JSON line per STS call roleswitch made, with the reason/ticket.

The file (``<data_dir>/audit.jsonl``) is 0600, appended under an inter-process lock so parallel
processes never interleave lines. It records who (local user and host), what (profile, role ARN, API,
session name, source identity, session tags, duration), why (reason), and how it went (outcome, AWS error
code) -- never a secret: there is no field for keys, tokens, External IDs or MFA codes, and free text
(reason, error message) is cut to one short line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roleswitch.core import paths
from roleswitch.core.fileio import ensure_private_dir, file_lock
from roleswitch.core.model import Clock, format_time, utcnow

AUDIT_FILE = "audit.jsonl"
_MAX_TEXT = 500


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    time: str
    user: str
    host: str
    profile: str
    api: str
    outcome: str  # "ok" | "error"
    role_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    duration_seconds: int | None = None
    assumed_arn: str | None = None
    expiration: str | None = None
    error_code: str | None = None
    error: str | None = None
    detail: str | None = None  # what a non-STS action did, e.g. a revocation's cut-off


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.split())[:_MAX_TEXT]


class AuditLog:
    """Append-only JSONL audit trail. ``enabled=False`` makes :meth:`record` a no-op."""

    def __init__(self, path: str | None = None, *, now: Clock = utcnow, user: str | None = None,
                 host: str | None = None, enabled: bool = True) -> None:
        from roleswitch.core.limits import local_host, local_user

        self.path = path or os.path.join(paths.data_dir(), AUDIT_FILE)
        self.enabled = enabled
        self._now = now
        self._user = user if user is not None else local_user()
        self._host = host if host is not None else local_host()

    def record(self, *, profile: str, api: str, outcome: str, role_arn: str | None = None,
               session_name: str | None = None, source_identity: str | None = None,
               tags: Sequence[tuple[str, str]] = (), reason: str | None = None,
               duration_seconds: int | None = None, assumed_arn: str | None = None,
               expiration: str | None = None, error_code: str | None = None,
               error: str | None = None, detail: str | None = None) -> AuditEntry | None:
        """Append one entry and return it (``None`` when disabled). Raises OSError when unwritable."""
        if not self.enabled:
            return None
        entry = AuditEntry(
            time=format_time(self._now()), user=self._user, host=self._host, profile=profile, api=api,
            outcome=outcome, role_arn=role_arn, session_name=session_name, source_identity=source_identity,
            tags=dict(tags), reason=_short(reason), duration_seconds=duration_seconds,
            assumed_arn=assumed_arn, expiration=expiration, error_code=error_code, error=_short(error),
            detail=_short(detail),
        )
        line = json.dumps({k: v for k, v in asdict(entry).items() if v not in (None, {})},
                          ensure_ascii=False, separators=(",", ":")) + "\n"
        folder = os.path.dirname(os.path.abspath(self.path))
        ensure_private_dir(folder)
        with file_lock(self.path + ".lock"):
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        return entry

    def entries(self, limit: int | None = None) -> list[AuditEntry]:
        """The trail, oldest first (the last ``limit`` entries when given); unreadable lines are skipped."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                lines = handle.readlines()
        except FileNotFoundError:
            return []
        if limit is not None:
            lines = lines[-limit:]
        known = set(AuditEntry.__dataclass_fields__)
        result: list[AuditEntry] = []
        for line in lines:
            try:
                data: dict[str, Any] = json.loads(line)
                result.append(AuditEntry(**{k: v for k, v in data.items() if k in known}))
            except (ValueError, TypeError):
                continue
        return result
