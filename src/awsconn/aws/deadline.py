"""Bound a whole AWS operation in time, retries and credential refreshes included.

botocore's timeouts apply per HTTP attempt, retries multiply them, and the STS
clients botocore builds for assumed roles (and the IMDS, container and web-identity
fetchers) use their own defaults; so an operation that must answer in time runs in a
daemon thread that is abandoned at the deadline. This module is the one place a
deadline is computed: the connection test, ``credentials``/``exec``, ``regions`` and
the permission check all use :class:`Deadline`.

Abandoned work is bounded, so a long-running server cannot pile up threads:

- while a worker runs, every botocore client awsconn makes in it (the fetchers' STS
  clients too, through :func:`bounded_config` and :func:`stop_at_deadline`) has
  per-attempt timeouts no longer than what is left of the budget and sends nothing
  once the deadline has passed, so an abandoned worker ends about one attempt after it;
- :class:`Workers` caps how many abandoned workers may still be alive; beyond the cap
  new work waits for one to end, up to its own deadline, then fails with TIMEOUT
  saying so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from botocore.config import Config

from awsconn.errors import AwsCallFailed, AwsFailure
from awsconn.timeouts import DEADLINE_TIMEOUT

__all__ = [
    "DEFAULT_MAX_ABANDONED",
    "TIMEOUT_HINT",
    "WORKERS",
    "Deadline",
    "DeadlinePassed",
    "Workers",
    "bounded_config",
    "current_deadline",
    "stop_at_deadline",
    "timeout_failure",
]

T = TypeVar("T")

TIMEOUT_HINT = (
    "The endpoint (or the STS endpoint behind a cross-account role) did not "
    "answer in time, retries included: check the network path, proxy and "
    "AWS_ENDPOINT_URL, or raise the timeout."
)
DEFAULT_MAX_ABANDONED = 64
"""Abandoned workers one process lets live at once (each ends about one attempt later)."""
_SHORTEST_ATTEMPT_S = 0.05  # botocore refuses a zero timeout; a passed deadline sends nothing


def timeout_failure(message: str) -> AwsFailure:
    """The TIMEOUT failure every deadline reports, with its hint."""
    return AwsFailure("TIMEOUT", message, TIMEOUT_HINT)


class DeadlinePassed(AwsCallFailed):
    """Raised by :meth:`Deadline.call` when the deadline came before the answer."""


class _Outcome(Generic[T]):
    """What the worker thread left: a value, or the exception to re-raise."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.abandoned = False
        self.value: T | None = None
        self.error: BaseException | None = None


class Workers:
    """The threads of deadline-bound work in one process, with a cap on abandoned ones.

    Running workers are bounded by their callers (``test --all --concurrency``, a
    server's request threads); a worker abandoned at its deadline counts against
    ``max_abandoned`` until it ends. Thread-safe.
    """

    def __init__(self, max_abandoned: int = DEFAULT_MAX_ABANDONED) -> None:
        if max_abandoned < 1:
            raise ValueError("max_abandoned must be at least 1")
        self.max_abandoned = max_abandoned
        self._state = threading.Condition()
        self._abandoned = 0

    @property
    def abandoned(self) -> int:
        """Workers abandoned at their deadline that have not ended yet."""
        with self._state:
            return self._abandoned

    def run(self, fn: Callable[[], T], deadline: Deadline, what: str) -> T:
        """``fn()`` in a daemon worker; DeadlinePassed if no answer by ``deadline``."""
        with self._state:
            free = self._state.wait_for(
                lambda: self._abandoned < self.max_abandoned, deadline.remaining()
            )
            if not free:
                raise DeadlinePassed(
                    timeout_failure(
                        f"{what} did not start within {deadline.timeout_s:g} s: "
                        f"{self._abandoned} AWS operations abandoned at their deadline are "
                        "still ending (each ends about one attempt after it)"
                    )
                )
        outcome: _Outcome[T] = _Outcome()
        bound = _earlier(deadline, current_deadline())

        def work() -> None:
            _current.deadline = bound
            try:
                outcome.value = fn()
            except BaseException as exc:  # re-raised in the caller's thread
                outcome.error = exc
            finally:
                with self._state:
                    outcome.done.set()
                    if outcome.abandoned:
                        self._abandoned -= 1
                        self._state.notify_all()

        threading.Thread(target=work, name=f"awsconn:{what}", daemon=True).start()
        if not outcome.done.wait(deadline.remaining()):
            with self._state:
                if not outcome.done.is_set():
                    outcome.abandoned = True
                    self._abandoned += 1
            if outcome.abandoned:
                raise DeadlinePassed(
                    timeout_failure(f"{what} did not finish within {deadline.timeout_s:g} s")
                )
        if outcome.error is not None:
            raise outcome.error
        return outcome.value  # type: ignore[return-value]


WORKERS = Workers()
"""The process's workers: threads are per process, and so is their cap."""


class Deadline:
    """A moment, ``timeout_s`` seconds after creation, by which an operation must end.

    ``timeout_s`` must be a finite number of seconds above zero (InvalidInput otherwise:
    ``inf`` or ``nan`` would reach ``threading`` as an internal error). ``workers`` runs
    :meth:`call` (the process's :data:`WORKERS` unless given).
    """

    def __init__(
        self,
        timeout_s: float,
        *,
        timer: Callable[[], float] = time.monotonic,
        workers: Workers | None = None,
    ) -> None:
        self.timeout_s = DEADLINE_TIMEOUT.check(timeout_s)
        self._timer = timer
        self.started = timer()
        self.at = self.started + self.timeout_s
        self.workers = workers or WORKERS

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.at - self._timer())

    def expired(self) -> bool:
        return self._timer() >= self.at

    def elapsed_ms(self) -> int:
        return int((self._timer() - self.started) * 1000)

    def attempt_config(self) -> Config:
        """botocore per-attempt connect/read timeouts no longer than what is left."""
        left = max(self.remaining(), _SHORTEST_ATTEMPT_S)
        return Config(connect_timeout=left, read_timeout=left)

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        """``fn()`` in a worker thread; DeadlinePassed (TIMEOUT, naming ``what``) if it
        has not finished by the deadline. Exceptions of ``fn`` are re-raised here."""
        return self.workers.run(fn, self, what)


_current = threading.local()


def current_deadline() -> Deadline | None:
    """The deadline of the work running in this thread (None outside a worker)."""
    found: Deadline | None = getattr(_current, "deadline", None)
    return found


def _earlier(one: Deadline, other: Deadline | None) -> Deadline:
    """A worker started inside another keeps the outer deadline when it is sooner."""
    if other is None or other.remaining() >= one.remaining():
        return one
    return other


def bounded_config(config: Config | None) -> Config | None:
    """``config`` with per-attempt timeouts cut to what this thread's deadline leaves.

    Outside a worker the config is returned as it is.
    """
    deadline = current_deadline()
    if deadline is None:
        return config
    left = max(deadline.remaining(), _SHORTEST_ATTEMPT_S)
    base = config or Config()
    connect = min(left, float(getattr(base, "connect_timeout", None) or left))
    read = min(left, float(getattr(base, "read_timeout", None) or left))
    return base.merge(Config(connect_timeout=connect, read_timeout=read))


def stop_at_deadline(client: Any) -> None:
    """Make ``client`` send nothing (no retry either) once this thread's deadline passed.

    A no-op outside a worker. The client raises DeadlinePassed instead of sending, so
    an abandoned worker ends instead of retrying for minutes.
    """
    deadline = current_deadline()
    if deadline is None:
        return

    def refuse_after_deadline(**_: Any) -> None:
        if deadline.expired():
            raise DeadlinePassed(
                timeout_failure(f"the deadline of {deadline.timeout_s:g} s passed")
            )

    client.meta.events.register_first("before-send", refuse_after_deadline)
