"""The one wall clock of awsconn: aware UTC time, and the type of an injectable clock.

Every layer takes a ``Clock`` (tests pass a fixed one); when none is given, this is the
default. It lives in the model, the lowest layer that needs it, so store, aws and
service all import the same function instead of each defining its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
