"""Times as people type them: a span (``30d``, ``12h``, ``90m``) or an ISO date or time.

Token expiry (``expires``) counts a span forward from now, the audit query (``since``,
``until``) backward; both accept an ISO 8601 date (midnight UTC) or date and time (UTC
when no offset is given). Each caller names its own setting in its problems.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["SPAN_FORMS", "parse_moment", "parse_span"]

_SPAN = re.compile(r"^(?P<count>[0-9]{1,6})(?P<unit>[dhm])\Z")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
SPAN_FORMS = "a number of days, hours or minutes (30d, 12h, 90m)"


def parse_span(text: str) -> timedelta | None:
    """``30d``/``12h``/``90m`` as a timedelta; None when ``text`` is not one."""
    found = _SPAN.match(text.strip())
    if found is None:
        return None
    return int(found["count"]) * _UNITS[found["unit"]]


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date and time (UTC unless it has an offset),
    as an aware UTC datetime; None when ``text`` is neither."""
    value = text.strip()
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
