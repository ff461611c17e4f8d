"""One task on the delegate: run it, post its outcome as the attempt it claimed.

The work itself is ``service.task_execution.execute`` (the same steps the use cases run
where awsconn runs, with the session the task brought, in this delegate's runtime). Its
outcome is posted with ``finish``; a server that cannot be reached is tried again with
backoff until the task's deadline; a refusal (the lease lapsed and another attempt took
over, the task was cancelled or expired) drops this attempt's work, as the protocol
says. While the task runs, its secret values are masked in every log line; the log says
what ran, never what it carried or returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from awsconn.client.delegate_protocol import DelegateProtocol
from awsconn.delegate.log_redaction import SecretsFilter
from awsconn.errors import AwsconnError, Conflict, InvalidInput, NotFound, StoreUnavailable
from awsconn.model.clock import utc_now
from awsconn.model.results import ClaimedTask, Failure
from awsconn.service.context import AppContext

__all__ = ["Backoff", "Running", "TaskWorker"]

log = logging.getLogger("awsconn.delegate")


@dataclass
class Backoff:
    """Waits that grow (``initial`` doubling up to ``maximum``) while a call keeps failing,
    interrupted by ``stop``; :meth:`reset` after a success. Never a tight loop."""

    initial: float = 1.0
    maximum: float = 30.0
    _next: float = field(default=0.0, init=False)

    def reset(self) -> None:
        self._next = 0.0

    def delay(self) -> float:
        import random

        self._next = min(self.maximum, self._next * 2 if self._next else self.initial)
        return self._next * random.uniform(0.8, 1.0)

    def wait(self, stop: threading.Event | None = None) -> float:
        seconds = self.delay()
        if stop is None:
            time.sleep(seconds)
        else:
            stop.wait(seconds)
        return seconds


@dataclass
class Running:
    """The tasks this delegate runs, by id, and those the server said to abandon."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: dict[str, ClaimedTask] = field(default_factory=dict)
    abandoned: set[str] = field(default_factory=set)

    def ids(self) -> list[str]:
        with self.lock:
            return sorted(self.tasks)

    def abandon(self, task_ids: list[str]) -> list[str]:
        with self.lock:
            found = [t for t in task_ids if t in self.tasks and t not in self.abandoned]
            self.abandoned.update(found)
            return found


def _short(failure: Failure) -> str:
    return f"{failure.code}: {failure.message[:300]}"


class TaskWorker:
    """Runs claimed tasks for the delegate whose id ``delegate_id()`` names."""

    def __init__(
        self,
        *,
        protocol: DelegateProtocol,
        ctx: AppContext,
        running: Running,
        secrets: SecretsFilter,
        delegate_id: Callable[[], str],
    ) -> None:
        self._protocol = protocol
        self._ctx = ctx
        self._running = running
        self._secrets = secrets
        self._delegate_id = delegate_id

    def run(self, claimed: ClaimedTask) -> None:
        """Run ``claimed`` and post its outcome; never raises (a bug is logged by type)."""
        from awsconn.service.task_payloads import spec_of_payload

        task = claimed.task
        held = spec_of_payload(claimed.session).secrets()
        self._secrets.hold(held)
        with self._running.lock:
            self._running.tasks[task.id] = claimed
        try:
            self._run(claimed)
        except Exception as exc:  # a bug: logged by type and place, never by message
            log.error("task %s: unexpected %s in the delegate", task.id, type(exc).__name__)
        finally:
            with self._running.lock:
                self._running.tasks.pop(task.id, None)
                self._running.abandoned.discard(task.id)
            self._secrets.release(held)

    def _run(self, claimed: ClaimedTask) -> None:
        from awsconn.service.task_execution import execute

        task = claimed.task
        log.info(
            "task %s taken: %s for %s (attempt %d)",
            task.id,
            task.kind,
            task.connector,
            task.attempt,
        )
        started = time.monotonic()
        left = (task.deadline - utc_now()).total_seconds()
        result, error = execute(self._ctx, claimed, time_left_s=max(left, 1.0))
        took = int((time.monotonic() - started) * 1000)
        if error is not None:
            log.info("task %s failed in %d ms: %s", task.id, took, _short(error))
        else:
            log.info("task %s done in %d ms", task.id, took)
        self._post(claimed, result, error)

    def _post(self, claimed: ClaimedTask, result: object, error: Failure | None) -> None:
        """Post the outcome, again with backoff while the server cannot be reached (until
        the task's deadline); a refusal drops the attempt."""
        from awsconn.model.results import WireModel

        task = claimed.task
        backoff = Backoff()
        while True:
            if task.id in self._running.abandoned:
                log.info("task %s abandoned at the server's word: its outcome is dropped", task.id)
                return
            try:
                self._protocol.finish(
                    self._delegate_id(),
                    task.id,
                    task.attempt,
                    result=result if isinstance(result, WireModel) else None,
                    error=error,
                )
                return
            except StoreUnavailable as exc:
                if utc_now() >= task.deadline:
                    log.warning(
                        "task %s: its deadline passed before the outcome was posted", task.id
                    )
                    return
                seconds = backoff.wait()
                log.warning(
                    "task %s: the outcome could not be posted (%s); again in %.1f s",
                    task.id,
                    exc.message,
                    seconds,
                )
            except (Conflict, NotFound) as exc:
                log.warning("task %s: the server refused the outcome: %s", task.id, exc.message)
                return
            except InvalidInput as exc:
                if error is not None:  # even the failure was refused: nothing more to say
                    log.error("task %s: the server refused its failure: %s", task.id, exc.message)
                    return
                log.error("task %s: the server refused its result: %s", task.id, exc.message)
                result, error = (
                    None,
                    Failure(
                        code="INTERNAL",
                        message=f"the delegate's result was refused by the server: {exc.message}",
                        hint="run the delegate with the server's awsconn version",
                    ),
                )
            except AwsconnError as exc:
                log.error("task %s: the outcome could not be posted: %s", task.id, exc.message)
                return
