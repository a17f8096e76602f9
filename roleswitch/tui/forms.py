"""Pure helpers behind the TUI's forms and lists (no textual): durations, countdowns, role text.

Kept free of Textual so they are unit-testable and cheap to import.
"""

from __future__ import annotations

import re
from datetime import datetime

from roleswitch.core.errors import ValidationError
from roleswitch.core.model import Role

_DURATION_RE = re.compile(r"^(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s?)?$")

WARNING_SECONDS = 15 * 60   # countdown turns to the warning colour
CRITICAL_SECONDS = 5 * 60   # countdown turns critical and a notification is shown once


def parse_duration(text: str, *, where: str = "duration") -> int | None:
    """``""`` -> None (the default); ``3600``, ``90m``, ``1h``, ``1h30m``, ``2h 15m 10s`` -> seconds.

    Raises ValidationError (saying what is allowed) for anything else.
    """
    value = text.strip().lower()
    if not value:
        return None
    found = _DURATION_RE.match(value)
    if found is None or not any(found.groupdict().values()):
        raise ValidationError(f"duration {text.strip()!r} is not understood",
                              hint="use seconds (3600) or 1h, 90m, 1h30m", where=where)
    hours, minutes, seconds = (int(found.group(k) or 0) for k in ("h", "m", "s"))
    return hours * 3600 + minutes * 60 + seconds


def human_duration(seconds: float) -> str:
    """A short human duration: ``12h``, ``1h 05m``, ``4m 09s``, ``9s``; negative -> ``expired``."""
    if seconds < 0:
        return "expired"
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def countdown(expiration: datetime | None, now: datetime) -> tuple[str, str]:
    """Text and level (``ok``/``warning``/``critical``/``expired``/``none``) of time left, from the expiry.

    Always recomputed from ``expiration - now`` so it stays right however irregularly it is called.
    """
    if expiration is None:
        return "never", "none"
    left = (expiration - now).total_seconds()
    if left <= 0:
        return "expired", "expired"
    total = int(left)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    if left <= CRITICAL_SECONDS:
        return text, "critical"
    if left <= WARNING_SECONDS:
        return text, "warning"
    return text, "ok"


def mask(secret: str | None) -> str:
    """A masked secret: shows only that it is set and its length class, never a character of it."""
    if not secret:
        return "—"
    return "•" * min(len(secret), 8)


def search_text(role: Role) -> str:
    """Everything a user may type to find a role: name, alias, account id, ARN, environment, tags."""
    parts = [role.name]
    if role.account is not None:
        parts += [role.account.alias or "", role.account.id, role.account.environment or ""]
    elif role.account_id:
        parts.append(role.account_id)
    if role.role_arn:
        parts.append(role.role_arn)
    if role.source_profile:
        parts.append(role.source_profile)
    for key, value in role.session_tags:
        parts.append(f"{key}={value}")
    if role.description:
        parts.append(role.description)
    return " ".join(p for p in parts if p)


def environment_of(role: Role) -> str | None:
    """The role's environment label (prod/staging/dev...), from its account."""
    if role.account is not None and role.account.environment:
        return role.account.environment.lower()
    return None
