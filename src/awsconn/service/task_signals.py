"""Wake-ups: a queued task starts as soon as a delegate is free, a waiter learns at once.

Each :class:`~awsconn.service.runtime.Runtime` has one :class:`TaskSignals`: two counters
under one lock, one per :class:`Change` — ``QUEUED`` (a task was queued or went back to
the queue: claimers look) and ``ENDED`` (a task ended: waiters look). Whatever changes
the queue or ends a task bumps the counter of its change after its transaction commits
(:func:`announce`); a claim or a wait that found nothing sleeps until its counter moves,
then looks again. Two counters, so a task ending never sends the idle claimers to the
store for nothing, nor a queued task the waiters. Across replicas on PostgreSQL the same
transaction sends ``NOTIFY awsconn_tasks`` with the change as payload; each runtime that
has a claimer or waiter asleep keeps one connection ``LISTEN``-ing on that channel (a
daemon thread, gone after :data:`LISTEN_IDLE_S` with nobody asleep) and bumps its own
counter when one arrives. Sleepers also look again every :data:`FALLBACK_POLL_S`, so a
notification lost while the listener reconnects (or a change written by another process
on SQLite) delays a claim by at most that.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from awsconn.aws.deadline import Deadline
    from awsconn.service.context import AppContext
    from awsconn.service.runtime import Runtime
    from awsconn.store.database import Transaction

__all__ = [
    "CHANNEL",
    "FALLBACK_POLL_S",
    "LISTEN_IDLE_S",
    "LISTEN_POLL_S",
    "Change",
    "TaskSignals",
    "announce",
    "signals_of",
    "waiting",
]

CHANNEL = "awsconn_tasks"
FALLBACK_POLL_S = 1.0
LISTEN_IDLE_S = 10.0
LISTEN_POLL_S = 1.0
"""How often the listener looks whether anyone still sleeps (a notification is passed
on as it arrives, never held until then)."""
log = logging.getLogger("awsconn.tasks")


class Change(enum.Enum):
    """What a committed transaction did to the tasks (the ``NOTIFY`` payload)."""

    QUEUED = "queued"
    """A task can be claimed now (submitted, requeued): claimers look."""
    ENDED = "ended"
    """A task ended (any end state): waiters look."""


class TaskSignals:
    """A generation counter per :class:`Change` that sleepers wait on; ``listen_url``
    adds PostgreSQL's."""

    def __init__(self, listen_url: URL | None = None) -> None:
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)  # the listener's state
        self._changed = {change: threading.Condition(self._lock) for change in Change}
        self._generations = dict.fromkeys(Change, 0)
        self._sleepers = 0
        self._listen_url = listen_url
        self._listener: threading.Thread | None = None
        self._last_sleeper = time.monotonic()
        self._listening = False

    def generation(self, change: Change) -> int:
        with self._lock:
            return self._generations[change]

    def wait_listening(self, timeout_s: float) -> bool:
        """Whether the PostgreSQL listener is listening (waiting up to ``timeout_s``)."""
        with self._condition:
            return self._condition.wait_for(lambda: self._listening, timeout=timeout_s)

    def _set_listening(self, value: bool) -> None:
        with self._condition:
            self._listening = value
            self._condition.notify_all()

    def bump(self, *changes: Change) -> None:
        """These changes happened (none named: any may have): their sleepers look again."""
        with self._lock:
            for change in changes or tuple(Change):
                self._generations[change] += 1
                self._changed[change].notify_all()

    def sleep(self, change: Change, seen: int, timeout_s: float) -> int:
        """Until the counter of ``change`` moves past ``seen`` or ``timeout_s`` passes (at
        most the fallback poll); that counter now."""
        self._ensure_listener()
        with self._lock:
            self._sleepers += 1
            try:
                self._changed[change].wait_for(
                    lambda: self._generations[change] != seen,
                    timeout=min(timeout_s, FALLBACK_POLL_S),
                )
            finally:
                self._sleepers -= 1
                self._last_sleeper = time.monotonic()
            return self._generations[change]

    # -- PostgreSQL's LISTEN --------------------------------------------------------------

    def _ensure_listener(self) -> None:
        if self._listen_url is None:
            return
        with self._condition:
            if self._listener is not None and self._listener.is_alive():
                return
            self._last_sleeper = time.monotonic()
            self._listener = threading.Thread(
                target=self._listen, name="awsconn-task-listener", daemon=True
            )
            self._listener.start()

    def _idle(self) -> bool:
        with self._lock:
            return self._sleepers == 0 and time.monotonic() - self._last_sleeper > LISTEN_IDLE_S

    def _listen(self) -> None:
        import psycopg

        assert self._listen_url is not None
        conninfo = self._listen_url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while not self._idle():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._set_listening(True)
                    self.bump()  # whatever was announced while nobody listened
                    while not self._idle():  # looked at every LISTEN_POLL_S
                        for note in conn.notifies(timeout=LISTEN_POLL_S, stop_after=1000):
                            self.bump(*_changes_of({note.payload}))  # as each arrives
            except psycopg.Error as exc:
                self._set_listening(False)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                log.warning("task notifications paused (polling meanwhile): %s", first[:200])
                time.sleep(FALLBACK_POLL_S)
        self._set_listening(False)


def _changes_of(payloads: set[str]) -> tuple[Change, ...]:
    """The changes that ``NOTIFY`` payloads name (one not understood: any change)."""
    found = []
    for payload in payloads:
        try:
            found.append(Change(payload))
        except ValueError:
            return tuple(Change)
    return tuple(dict.fromkeys(found))


def waiting(seconds: float) -> Deadline | None:
    """The moment a wait of ``seconds`` ends (None: do not wait at all)."""
    from awsconn.aws.deadline import Deadline

    return Deadline(max(seconds, 0.001)) if seconds > 0 else None


_SIGNALS: weakref.WeakKeyDictionary[Runtime, TaskSignals] = weakref.WeakKeyDictionary()
_SIGNALS_LOCK = threading.Lock()


def signals_of(ctx: AppContext) -> TaskSignals:
    """The runtime's signals, made on first use (with a listener on PostgreSQL)."""
    runtime = ctx.runtime
    with _SIGNALS_LOCK:
        found = _SIGNALS.get(runtime)
        if found is None:
            db = ctx.db
            found = TaskSignals(db.url if db.dialect == "postgresql" else None)
            _SIGNALS[runtime] = found
        return found


def announce(ctx: AppContext, tx: Transaction, change: Change) -> None:
    """Wake the sleepers of ``change`` once ``tx`` commits: this runtime's at once, other
    replicas' through ``NOTIFY`` (PostgreSQL sends it at commit, never for a rollback;
    the same payload twice in one transaction is sent once)."""
    if tx.session.get_bind().dialect.name == "postgresql":
        tx.session.execute(text(f"SELECT pg_notify('{CHANNEL}', '{change.value}')"))
    signals = signals_of(ctx)
    tx.after_commit(lambda: signals.bump(change))
