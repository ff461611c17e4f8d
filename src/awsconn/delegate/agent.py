"""The delegate's life: connect, take tasks as long as it runs, stop gracefully.

1. **Connect**: register as the delegate token (name, tags, version, host); with an init
   script, register first (the server shows it initializing), run the script once,
   probe, and report its exit status, output tail and the capabilities; without one,
   probe and register with them. A failed init script is reported, then the agent exits
   1: the server lists it not connected, with the exit status and the output's end.
2. **Work**: one long poll at a time (``take``, up to ``poll_seconds``) while a slot of
   ``concurrency`` is free; the server answers at once when a task is queued, so a task
   starts within milliseconds of being submitted to a free delegate. Each task runs in
   the worker pool (``worker.py``). A heartbeat thread renews the leases of the running
   tasks as often as the server asks (a third of its lease) and drops those it must
   abandon.
3. **Reconnect**: a server that cannot be reached is tried again with growing waits
   (1 s doubling to 30 s, never a tight loop); a server that no longer knows this
   delegate (forgotten, or its store replaced) gets a new registration (the init
   script is not run again: its result is reported again).
4. **Stop** (SIGTERM or SIGINT): no new task is taken; the running ones finish and post
   their outcomes; then the delegate disconnects and the agent exits 0. A second
   signal stops at once (exit 130): the server requeues the tasks after their lease.

Only outbound HTTP(S) to the server; the token travels in ``x-api-key`` and is never
logged. The agent's runtime (``runs_as="delegate"``) has no store: its AWS identity is
the process's ambient one (the full botocore chain of its environment).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType
from typing import Any

from awsconn.client.delegate_protocol import DelegateProtocol, connect_protocol
from awsconn.delegate.init_script import InitResult, run_init_script
from awsconn.delegate.log_redaction import SecretsFilter
from awsconn.delegate.options import AgentOptions
from awsconn.delegate.probe import probe
from awsconn.delegate.worker import Backoff, Running, TaskWorker
from awsconn.errors import AwsconnError, Conflict, NotFound, StoreUnavailable
from awsconn.model.results import DelegateInfo
from awsconn.version import __version__

__all__ = ["EXIT_FORCED", "EXIT_INIT_FAILED", "Agent", "run_agent"]

EXIT_INIT_FAILED = 1
EXIT_FORCED = 130
_DEFAULT_HEARTBEAT_S = 15.0
log = logging.getLogger("awsconn.delegate")


class _Reregister(Exception):
    """The server no longer knows this delegate (or it may not take tasks as it is)."""


@dataclass
class _Registration:
    info: DelegateInfo
    capabilities: tuple[str, ...]


class Agent:
    """One delegate process (see the module docstring); :meth:`run` returns its exit code."""

    def __init__(
        self,
        options: AgentOptions,
        *,
        environ: Mapping[str, str],
        secrets: SecretsFilter | None = None,
        protocol: DelegateProtocol | None = None,
    ) -> None:
        from awsconn.service.context import AppContext
        from awsconn.service.runtime import Runtime

        self.options = options
        self.environ = dict(environ)
        self.stopping = threading.Event()
        self._stopped = threading.Event()
        self._protocol = protocol or connect_protocol(
            options.manager, options.token, verify=options.verify
        )
        self._ctx = AppContext(runtime=Runtime(self.environ, runs_as="delegate"))
        self._secrets = secrets or SecretsFilter()
        self._running = Running()
        self._lock = threading.Lock()
        self._registration: _Registration | None = None
        self._init: InitResult | None = None
        self._heartbeat_s = _DEFAULT_HEARTBEAT_S
        self._beat_failing = False
        self._signals = 0

    # -- identity -------------------------------------------------------------------------

    @property
    def delegate_id(self) -> str:
        with self._lock:
            assert self._registration is not None
            return self._registration.info.id

    def _describe(self, info: DelegateInfo) -> str:
        return f"{info.name} ({info.id})"

    # -- signals --------------------------------------------------------------------------

    def install_signals(self) -> None:
        """SIGTERM and SIGINT stop gracefully; a second one stops at once."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("second stop signal: exiting now; the server requeues running tasks")
            logging.shutdown()
            os._exit(EXIT_FORCED)
        log.info(
            "%s received: taking no new task, finishing %d running",
            signal.Signals(signum).name,
            len(self._running.ids()),
        )
        self.stop()

    def stop(self) -> None:
        self.stopping.set()

    # -- the life ---------------------------------------------------------------------------

    def run(self) -> int:
        """Connect, work until stopped, leave; the exit code."""
        try:
            registration = self._connect()
            if registration is None:
                return EXIT_INIT_FAILED if self._init is not None and not self._init.ok else 0
            beats = threading.Thread(target=self._beat, name="awsconn-heartbeat", daemon=True)
            beats.start()
            with ThreadPoolExecutor(
                max_workers=self.options.concurrency, thread_name_prefix="awsconn-task"
            ) as pool:
                self._work(pool)
                log.info("stopping: waiting for %d running task(s)", len(self._running.ids()))
            self._stopped.set()
            beats.join(timeout=5)
            self._leave()
            return 0
        finally:
            self._stopped.set()
            self._protocol.close()

    def _connect(self) -> _Registration | None:
        """Registered and able to take tasks, or None (stopped first, or init failed)."""
        backoff = Backoff()
        while not self.stopping.is_set():
            try:
                registration = self._register()
            except StoreUnavailable as exc:
                seconds = backoff.wait(self.stopping)
                log.warning("cannot reach the server: %s; again in %.1f s", exc.message, seconds)
                continue
            if registration is None:
                return None
            with self._lock:
                self._registration = registration
            return registration
        return None

    def _register(self) -> _Registration | None:
        """One registration (and, the first time, the init script); StoreUnavailable
        passes to the caller's backoff."""
        opts = self.options
        script = opts.init_script
        first = self._init is None
        info = self._protocol.register(
            name=opts.name,
            tags=opts.tags,
            version=__version__,
            host_name=socket.gethostname(),
            capabilities=None if script is not None else self._probe(),
            init_script=script is not None,
        )
        if script is None:
            log.info("registered as %s with tags %s", self._describe(info), list(opts.tags))
            return _Registration(info, tuple(info.capabilities or ()))
        if first:
            log.info("registered as %s; running the init script %s", self._describe(info), script)
            self._init = run_init_script(script, self.environ, timeout_s=opts.init_timeout_s)
            log.info("the init script ended with exit status %d", self._init.exit_status)
        assert self._init is not None
        caps = self._probe()
        info = self._report_init(info, caps)
        if not self._init.ok:
            log.error(
                "the init script failed (exit status %d): this delegate takes no task; "
                "its output's end is shown in the server's delegate list",
                self._init.exit_status,
            )
            return None
        return _Registration(info, caps)

    def _report_init(self, info: DelegateInfo, caps: tuple[str, ...]) -> DelegateInfo:
        """The init script's end, reported (again with backoff while the server is away:
        the script itself is never run twice)."""
        assert self._init is not None
        backoff = Backoff()
        while True:
            try:
                return self._protocol.report_init(
                    info.id,
                    exit_status=self._init.exit_status,
                    output_tail=self._init.output_tail,
                    capabilities=caps,
                )
            except StoreUnavailable as exc:
                if self.stopping.is_set():
                    raise
                seconds = backoff.wait(self.stopping)
                log.warning(
                    "cannot report the init script: %s; again in %.1f s", exc.message, seconds
                )

    def _probe(self) -> tuple[str, ...]:
        found = probe(self.environ)
        log.info("capabilities: %s (%s)", ", ".join(found.capabilities), found.describe())
        return found.capabilities

    def _work(self, pool: ThreadPoolExecutor) -> None:
        """Take tasks while a slot is free, until stopped."""
        slots = threading.BoundedSemaphore(self.options.concurrency)
        worker = TaskWorker(
            protocol=self._protocol,
            ctx=self._ctx,
            running=self._running,
            secrets=self._secrets,
            delegate_id=lambda: self.delegate_id,
        )
        backoff = Backoff()

        def done(_future: Any) -> None:
            slots.release()

        while not self.stopping.is_set():
            if not slots.acquire(timeout=0.5):
                continue
            try:
                claimed = self._protocol.take(
                    self.delegate_id, wait_seconds=self.options.poll_seconds
                )
                backoff.reset()
            except StoreUnavailable as exc:
                slots.release()
                seconds = backoff.wait(self.stopping)
                log.warning("cannot reach the server: %s; again in %.1f s", exc.message, seconds)
                continue
            except (NotFound, Conflict) as exc:
                slots.release()
                log.warning("the server refused the long poll: %s", exc.message)
                self._reregister(backoff)
                continue
            except AwsconnError as exc:
                slots.release()
                seconds = backoff.wait(self.stopping)
                log.error("the long poll failed: %s; again in %.1f s", exc.message, seconds)
                continue
            if claimed is None:
                slots.release()
                continue
            pool.submit(worker.run, claimed).add_done_callback(done)

    def _reregister(self, backoff: Backoff) -> None:
        """A new registration when the server no longer knows this one (the running tasks
        post as the old id: the server refuses them and requeues them after the lease)."""
        while not self.stopping.is_set():
            try:
                registration = self._register()
            except StoreUnavailable as exc:
                log.warning("cannot reach the server: %s", exc.message)
                registration = None
            except AwsconnError as exc:
                log.error("cannot register again: %s", exc.message)
                registration = None
            if registration is not None:
                with self._lock:
                    self._registration = registration
                log.info("registered again as %s", self._describe(registration.info))
                backoff.reset()
                return
            backoff.wait(self.stopping)

    def _beat(self) -> None:
        """Heartbeats until the agent has stopped, as often as the server asks (the first
        at once: its answer says how often)."""
        while True:
            self._beat_once()
            if self._stopped.wait(self._heartbeat_s):
                return

    def _beat_once(self) -> None:
        """One heartbeat; a failure is logged when it starts and when it ends, not at every
        beat (the long poll says how the server is meanwhile)."""
        try:
            reply = self._protocol.heartbeat(self.delegate_id, self._running.ids())
        except AwsconnError as exc:
            if not self._beat_failing:
                log.warning("heartbeat not delivered: %s", exc.message)
            self._beat_failing = True
            return
        if self._beat_failing:
            log.info("heartbeats delivered again")
            self._beat_failing = False
        if reply.heartbeat_every_seconds:
            self._heartbeat_s = float(reply.heartbeat_every_seconds)
        for task_id in self._running.abandon(list(reply.abandon)):
            log.warning("task %s: the server took it back (cancelled, expired, requeued)", task_id)

    def _leave(self) -> None:
        """Disconnect (the server forgets nothing: the delegate is listed as disconnected)."""
        try:
            info = self._protocol.disconnect(self.delegate_id)
            log.info("disconnected %s", self._describe(info))
        except AwsconnError as exc:
            log.warning("could not disconnect cleanly: %s", exc.message)


def configure_logging(secrets: SecretsFilter, *, stream: Any = None) -> None:
    """The agent's log lines on stderr, each cleaned of the running tasks' secrets."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(secrets)
    root = logging.getLogger("awsconn")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    for noisy in ("botocore", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
        logging.getLogger(noisy).addFilter(secrets)


def run_agent(
    options: AgentOptions,
    *,
    environ: Mapping[str, str] | None = None,
    on_start: Callable[[Agent], None] | None = None,
) -> int:
    """``awsconn delegate run``: the agent in this process, its signals installed; the exit
    code."""
    secrets = SecretsFilter()
    configure_logging(secrets)
    agent = Agent(options, environ=os.environ if environ is None else environ, secrets=secrets)
    agent.install_signals()
    if on_start is not None:
        on_start(agent)
    log.info("awsconn delegate %s %s, server %s", __version__, options.name, options.manager)
    return agent.run()
