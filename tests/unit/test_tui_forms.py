"""roleswitch.tui.forms: pure helpers behind the TUI (durations, countdowns, masking, search text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roleswitch.core.errors import ValidationError
from roleswitch.core.model import Account, ProfileKind, Role
from roleswitch.tui.forms import countdown, human_duration, mask, parse_duration, search_text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("", None), ("3600", 3600), ("90m", 5400), ("1h", 3600), ("1h30m", 5400), ("2h 15m 10s", 8110),
    ("45s", 45), (" 1H ", 3600),
])
def test_parse_duration(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "1d", "h", "-5", "1.5h"])
def test_parse_duration_rejects_with_what_is_allowed(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_duration(text)
    assert "1h, 90m" in info.value.one_line()


def test_countdown_levels_come_from_the_expiry() -> None:
    assert countdown(None, NOW) == ("never", "none")
    assert countdown(NOW + timedelta(hours=2, minutes=3, seconds=4), NOW) == ("2:03:04", "ok")
    assert countdown(NOW + timedelta(minutes=15), NOW) == ("15:00", "warning")
    assert countdown(NOW + timedelta(minutes=15, seconds=1), NOW) == ("15:01", "ok")
    assert countdown(NOW + timedelta(minutes=5), NOW) == ("05:00", "critical")
    assert countdown(NOW, NOW) == ("expired", "expired")


def test_human_duration_and_mask() -> None:
    assert human_duration(43200) == "12h"
    assert human_duration(3900) == "1h 05m"
    assert human_duration(249) == "4m 09s"
    assert human_duration(-1) == "expired"
    assert mask(None) == "—"
    assert "s" not in mask("secret") and mask("secret") == "••••••"


def test_search_text_covers_alias_id_arn_tags() -> None:
    role = Role("prod-admin", "roleswitch", ProfileKind.ROLE, role_arn="arn:aws:iam::111111111111:role/Admin",
                account=Account("111111111111", "acme-prod", "prod"), session_tags=(("team", "sre"),),
                external_id="never-searchable")
    text = search_text(role)
    for part in ("prod-admin", "acme-prod", "111111111111", "role/Admin", "team=sre", "prod"):
        assert part in text
    assert "never-searchable" not in text
