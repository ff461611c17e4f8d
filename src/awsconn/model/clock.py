"""The one wall clock of awsconn: aware UTC time, and the type of an injectable clock.

Every layer takes a ``Clock`` (tests pass a fixed one); when none is given, this is the
default. It lives in the model, the lowest layer that needs it, so store, aws and
service all import the same function instead of each defining its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "iso_z", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso_z(moment: datetime, *, seconds: bool = False) -> str:
    """``moment`` in ISO 8601 with ``Z`` for UTC (``seconds``: without the fraction), as
    awsconn writes times for people and for AWS's credential_process."""
    text = moment.isoformat(timespec="seconds") if seconds else moment.isoformat()
    return text.replace("+00:00", "Z")
