"""The server's background loops: the task reaper, the monitor, history pruning, the status
feeds (metrics and the alert webhook).

Every worker process of every replica runs them, each loop a thread of its own waiting on
one stop event: started once the store is open and stopped on shutdown (the
application's lifespan, ``api/app.py``). Running them everywhere is safe because the use
cases claim their rows exclusively: the reaper skips rows another replica handles, the
monitor's ``claim_due`` hands each due test to one caller, pruning deletes what is there
to delete, and a status feed is held by one process at a time. So any replica may stop
or die and the others carry on.

They act as :data:`~awsconn.service.access.SERVER_CALLER` (``awsconn-server``: view, test
and edit connectors in the account, nothing else). A step that fails is logged and the
loop goes on at its next turn: an awsconn error by its message (those carry no secret),
anything else by its type and place only, as the API logs a bug. Each wait is jittered
(±10 %), so replicas started together drift apart.
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from awsconn.api.metrics import Metrics
from awsconn.api.settings import ServerSettings
from awsconn.errors import AwsconnError
from awsconn.model.results import StatusChange
from awsconn.service.access import SERVER_CALLER
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime

__all__ = ["METRICS_FEED", "BackgroundLoops", "Loop", "check_environ"]

METRICS_FEED = "metrics"
_MONITOR_BATCH = 50
_MONITOR_BATCHES = 40
_JITTER = 0.1
_FIRST_WITHIN_S = 5.0

log = logging.getLogger("awsconn.background")


def check_environ(environ: Mapping[str, str]) -> None:
    """Refuse, before a server starts, settings its loops would only fail on later: the
    alert webhook's URL and the history retention (ValidationFailed naming the variable)."""
    from awsconn.service.alerts import webhook_of
    from awsconn.service.monitoring import history_days

    webhook_of(environ)
    history_days(environ)


@dataclass(frozen=True)
class Loop:
    """``step`` run every ``every_s`` seconds (jittered) until the loops stop."""

    name: str
    every_s: float
    step: Callable[[], None]


class BackgroundLoops:
    """The loops of one server process over its ``runtime``; :meth:`start` once the store
    is open, :meth:`stop` on shutdown (it waits up to ``timeout_s`` for steps to end)."""

    def __init__(self, runtime: Runtime, settings: ServerSettings, metrics: Metrics) -> None:
        from awsconn.service.alerts import webhook_of

        self.ctx = AppContext(runtime=runtime, caller=SERVER_CALLER)
        self.settings = settings
        self.metrics = metrics
        self.webhook = webhook_of(runtime.environ)
        host = socket.gethostname()[:40]
        self.holder = f"{host}:{os.getpid()}:{secrets.token_hex(4)}"
        """Names this process where it holds a status feed."""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._rng = random.Random()

    def loops(self) -> list[Loop]:
        """The loops this process runs, by its settings."""
        s = self.settings
        out = [
            Loop("reaper", s.reap_every_s, self.reap),
            Loop("pruning", s.prune_every_s, self.prune),
            Loop("status-metrics", s.alert_every_s, self.count_status_changes),
        ]
        if s.monitoring:
            out.append(Loop("monitor", s.monitor_every_s, self.run_due_tests))
        if self.webhook is not None:
            out.append(Loop("status-alerts", s.alert_every_s, self.send_alerts))
        return out

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._threads:
            return
        for loop in self.loops():
            thread = threading.Thread(
                target=self._run, args=(loop,), name=f"awsconn-{loop.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        names = ", ".join(t.name.removeprefix("awsconn-") for t in self._threads)
        log.info("background loops started: %s", names)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop every loop and wait for the steps under way (a loop still busy at the
        timeout is left: its thread is a daemon and ends with the process)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("background loop %s did not stop within %g s", thread.name, timeout_s)
        self._threads.clear()

    def _pause(self, every_s: float) -> float:
        return every_s * self._rng.uniform(1 - _JITTER, 1 + _JITTER)

    def _run(self, loop: Loop) -> None:
        wait = self._rng.uniform(0, min(loop.every_s, _FIRST_WITHIN_S))
        while not self._stop.wait(wait):
            try:
                loop.step()
            except AwsconnError as exc:
                log.warning("background loop %s: %s", loop.name, exc)
            except Exception as exc:  # a bug: by type and place, never its message
                where = "".join(traceback.format_tb(exc.__traceback__)[-3:]).strip()
                log.error(
                    "%s",
                    json.dumps(
                        {
                            "event": "background_error",
                            "loop": loop.name,
                            "type": type(exc).__name__,
                            "where": where,
                        }
                    ),
                )
            wait = self._pause(loop.every_s)

    # -- the steps -----------------------------------------------------------------------

    def reap(self) -> None:
        """Deadlines, lapsed leases, tasks no delegate can run, silent delegates."""
        from awsconn.service.tasks import expire_and_requeue

        expire_and_requeue(self.ctx)

    def run_due_tests(self) -> None:
        """Claim and submit the due connection tests, batch after batch while full ones
        come (a test that runs here, ``executeOnDelegate: false``, runs in this thread)."""
        from awsconn.service.monitoring import run_due_tests

        run_due_tests(
            self.ctx, limit=_MONITOR_BATCH, batches=_MONITOR_BATCHES, stop=self._stop.is_set
        )

    def prune(self) -> None:
        """Keep ``AWSCONN_HISTORY_DAYS`` of history (each connector's newest result)."""
        from awsconn.service.monitoring import prune_history

        report = prune_history(self.ctx)
        if report.tests or report.status_changes or report.tasks:
            log.info(
                "pruned history older than %d days: %d test results, %d status changes, %d tasks",
                report.keep_days,
                report.tests,
                report.status_changes,
                report.tasks,
            )

    def count_status_changes(self) -> None:
        """Count each status change once across replicas (the ``metrics`` feed)."""
        from awsconn.service.monitoring import follow_status_changes

        def count(change: StatusChange) -> bool:
            self.metrics.status_change(change.from_status, change.to_status)
            return True

        follow_status_changes(self.ctx, METRICS_FEED, count, holder=self.holder)

    def send_alerts(self) -> None:
        """POST the alerts not sent yet to the webhook (``service/alerts.py``)."""
        from awsconn.service.alerts import send_alerts

        assert self.webhook is not None
        report = send_alerts(self.ctx, self.webhook, holder=self.holder, wait=self._stop.wait)
        for _ in report.sent:
            self.metrics.alert("sent")
        if report.undelivered is not None:
            self.metrics.alert("failed")
