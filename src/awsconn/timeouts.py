"""How long an operation may take: the allowed range of each ``timeout`` setting, checked once.

Why: every command that talks to AWS takes a timeout, and a value such as ``inf``,
``nan``, a negative or a huge number used to reach ``threading`` and botocore, which
answered with an internal error or a deadline already passed. Each operation names its
range here; the service checks the value on entry and the CLI checks its option with the
same function, so the rule and its message exist once. Beside ``errors`` (stdlib only)
so that the CLI can build its options from it without importing the model package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from awsconn.errors import InvalidInput, Problem

__all__ = [
    "CREDENTIALS_TIMEOUT",
    "DEADLINE_TIMEOUT",
    "REGIONS_TIMEOUT",
    "TEST_TIMEOUT",
    "TimeoutRange",
]


@dataclass(frozen=True)
class TimeoutRange:
    """The seconds an operation may be given, inclusive, and its default."""

    minimum: float
    maximum: float
    default: float

    @property
    def allowed(self) -> str:
        return f"a number of seconds from {self.minimum:g} to {self.maximum:g}"

    def check(self, value: object, *, setting: str = "timeout") -> float:
        """``value`` as float seconds, or InvalidInput (exit 2) naming ``setting`` and the range.

        Refuses what is not a real number (``nan``, ``inf``, text, booleans) and what lies
        outside the range.
        """
        seconds: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        if seconds is None or not math.isfinite(seconds):
            message = "is not a finite number of seconds"
        elif not self.minimum <= seconds <= self.maximum:
            message = "is out of range"
        else:
            return seconds
        raise InvalidInput(str(Problem(setting, message, given=value, allowed=self.allowed)))


# ``connector test``: per connector, calls and retries included.
TEST_TIMEOUT = TimeoutRange(minimum=1.0, maximum=600.0, default=30.0)
# ``connector regions``: the one DescribeRegions call, retries included.
REGIONS_TIMEOUT = TimeoutRange(minimum=1.0, maximum=600.0, default=30.0)
# ``credentials`` and ``exec``: getting the credentials (an AssumeRole included).
CREDENTIALS_TIMEOUT = TimeoutRange(minimum=1.0, maximum=3600.0, default=30.0)
# What the aws layer's deadline itself accepts (callers below the service pass short
# budgets in tests); anything else is a bug of the caller, refused the same way.
DEADLINE_TIMEOUT = TimeoutRange(minimum=0.001, maximum=7 * 24 * 3600.0, default=30.0)
