"""Bound a whole AWS operation in time, retries and credential refreshes included.

botocore's timeouts apply per HTTP attempt, retries multiply them, and the STS
clients botocore builds for assumed roles (and the IMDS, container and web-identity
fetchers) use their own defaults; so an operation that must answer in time runs in a
daemon thread that is abandoned at the deadline. This module is the one place a
deadline is computed: the connection test, ``credentials``/``exec`` and ``regions``
all use :class:`Deadline`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from botocore.config import Config

from awsconn.errors import AwsCallFailed, AwsFailure
from awsconn.timeouts import DEADLINE_TIMEOUT

__all__ = ["TIMEOUT_HINT", "Deadline", "DeadlinePassed", "timeout_failure"]

T = TypeVar("T")

TIMEOUT_HINT = (
    "The endpoint (or the STS endpoint behind a cross-account role) did not "
    "answer in time, retries included: check the network path, proxy and "
    "AWS_ENDPOINT_URL, or raise the timeout."
)


def timeout_failure(message: str) -> AwsFailure:
    """The TIMEOUT failure every deadline reports, with its hint."""
    return AwsFailure("TIMEOUT", message, TIMEOUT_HINT)


class DeadlinePassed(AwsCallFailed):
    """Raised by :meth:`Deadline.call` when the deadline came before the answer."""


class _Outcome(Generic[T]):
    """What the worker thread left: a value, or the exception to re-raise."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class Deadline:
    """A moment, ``timeout_s`` seconds after creation, by which an operation must end.

    ``timeout_s`` must be a finite number of seconds above zero (InvalidInput otherwise:
    ``inf`` or ``nan`` would reach ``threading`` as an internal error).
    """

    def __init__(self, timeout_s: float, *, timer: Callable[[], float] = time.monotonic) -> None:
        self.timeout_s = DEADLINE_TIMEOUT.check(timeout_s)
        self._timer = timer
        self.started = timer()
        self.at = self.started + self.timeout_s

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.at - self._timer())

    def expired(self) -> bool:
        return self._timer() >= self.at

    def elapsed_ms(self) -> int:
        return int((self._timer() - self.started) * 1000)

    def attempt_config(self) -> Config:
        """botocore per-attempt connect/read timeouts no longer than the whole budget."""
        return Config(connect_timeout=self.timeout_s, read_timeout=self.timeout_s)

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        """``fn()`` in a daemon thread; DeadlinePassed (TIMEOUT, naming ``what``) if it
        has not finished by the deadline. Exceptions of ``fn`` are re-raised here."""
        outcome: _Outcome[T] = _Outcome()

        def work() -> None:
            try:
                outcome.value = fn()
            except BaseException as exc:  # re-raised in the caller's thread
                outcome.error = exc
            finally:
                outcome.done.set()

        threading.Thread(target=work, name=f"awsconn:{what}", daemon=True).start()
        if not outcome.done.wait(self.remaining()):
            raise DeadlinePassed(
                timeout_failure(f"{what} did not finish within {self.timeout_s:g} s")
            )
        if outcome.error is not None:
            raise outcome.error
        return outcome.value  # type: ignore[return-value]
