"""``roleswitch status``: the cached sessions and their time left. Stdlib only (served by the fast path)."""

from __future__ import annotations

import json
import os
import time

from roleswitch.core import cache as cachemod

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path does not import typing
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any


def printable(text: object) -> str:
    """``text`` with control characters shown as ``?``: a hostile profile name cannot drive the terminal."""
    text = str(text)
    if text.isprintable():  # the usual case, checked in C: no per-character loop
        return text
    return "".join(c if c.isprintable() else "?" for c in text)


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "no expiry"
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def status_rows(directory: str, now: float | None = None) -> list[dict[str, Any]]:
    """One secret-free row per readable cache entry (expired ones too), soonest expiry first."""
    now = time.time() if now is None else now
    rows: list[dict[str, Any]] = []
    sessions = os.path.join(directory, cachemod.SESSIONS)
    try:
        names = sorted(os.listdir(sessions))
    except OSError:
        return rows
    for filename in names:
        if filename.startswith(".") or not filename.endswith(".json"):
            continue
        record = cachemod.read_record(os.path.join(sessions, filename))
        if record is None:
            continue
        session = record["session"]
        try:
            expires = float(record["expires_at"]) if record.get("expires_at") is not None else None
        except (TypeError, ValueError):
            continue
        name = str(record.get("name") or session.get("profile") or "?")
        rows.append({
            "profile": name,
            "key": filename[:-5],
            "kind": "mfa-session" if name.startswith("mfa:") else "role",
            "api": session.get("api"),
            "role_arn": session.get("role_arn"),
            "assumed_arn": session.get("assumed_arn"),
            "account_id": session.get("account_id"),
            "region": session.get("region"),
            "expiration": (session.get("credentials") or {}).get("Expiration"),
            "seconds_left": None if expires is None else max(0, int(expires - now)),
            "expired": expires is not None and expires <= now,
        })
    rows.sort(key=lambda r: (r["seconds_left"] is None, r["seconds_left"] or 0, r["profile"]))
    return rows


def render_status(directory: str, *, as_json: bool = False, now: float | None = None) -> str:
    """The text (or JSON) that ``roleswitch status`` prints."""
    rows = status_rows(directory, now)
    if as_json:
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return "No cached sessions.\n"
    table = [("PROFILE", "LEFT", "EXPIRES (UTC)", "ARN", "REGION")]
    for row in rows:
        left = "expired" if row["expired"] else _left(row["seconds_left"])
        arn = row["assumed_arn"] or row["role_arn"] or ("MFA session" if row["kind"] == "mfa-session" else "-")
        table.append(tuple(printable(c) for c in (row["profile"], left, row["expiration"] or "-", arn,
                                                   row["region"] or "-")))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]) - 1)]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(r[:-1], widths, strict=False)) + "  " + str(r[-1])
             for r in table]
    return "\n".join(line.rstrip() for line in lines) + "\n"
