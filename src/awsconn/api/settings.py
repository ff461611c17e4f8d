"""The server's settings: where it listens and how much work it takes at once.

``awsconn server`` parses its options into :class:`ServerSettings`; the workers uvicorn
starts (``--workers N``, separate processes) read the part the application needs from
their environment (:meth:`ServerSettings.app_environ` / :meth:`from_environ`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_PORT", "ServerSettings"]

DEFAULT_PORT = 7420
_THREADS = "AWSCONN_SERVER_THREADS"
_REQUEST_TIMEOUT = "AWSCONN_SERVER_REQUEST_TIMEOUT"
_MONITORING = "AWSCONN_SERVER_MONITORING"
_EVERY = {
    "reap_every_s": "AWSCONN_SERVER_REAP_EVERY",
    "monitor_every_s": "AWSCONN_SERVER_MONITOR_EVERY",
    "prune_every_s": "AWSCONN_SERVER_PRUNE_EVERY",
    "alert_every_s": "AWSCONN_SERVER_ALERT_EVERY",
}


@dataclass(frozen=True)
class ServerSettings:
    """``threads``: requests whose service call runs at once per worker (blocking calls
    run in a thread pool of this size); ``request_timeout_s``: the deadline of one
    request's work (a connection test waits for its result up to it). The background
    loops of every worker (``api/background.py``): ``monitoring`` (scheduled connection
    tests) and how often each loop runs: the task reaper, the monitor's look for due
    tests, history pruning, the status feeds (metrics, alert webhook)."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    root_path: str = ""
    certfile: str | None = None
    keyfile: str | None = None
    threads: int = 40
    request_timeout_s: float = 120.0
    monitoring: bool = True
    reap_every_s: float = 5.0
    monitor_every_s: float = 15.0
    prune_every_s: float = 3600.0
    alert_every_s: float = 5.0

    def app_environ(self) -> dict[str, str]:
        """What a worker process needs to rebuild the application's part of the settings."""
        out = {
            _THREADS: str(self.threads),
            _REQUEST_TIMEOUT: repr(self.request_timeout_s),
            _MONITORING: "1" if self.monitoring else "0",
        }
        out.update({name: repr(getattr(self, attr)) for attr, name in _EVERY.items()})
        return out

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ServerSettings:
        """The application's settings as :meth:`app_environ` wrote them (defaults otherwise)."""
        threads = environ.get(_THREADS)
        timeout = environ.get(_REQUEST_TIMEOUT)

        def every(attr: str) -> float:
            raw = environ.get(_EVERY[attr])
            return float(raw) if raw else float(getattr(cls, attr))

        return cls(
            threads=int(threads) if threads else cls.threads,
            request_timeout_s=float(timeout) if timeout else cls.request_timeout_s,
            monitoring=environ.get(_MONITORING, "1") != "0",
            reap_every_s=every("reap_every_s"),
            monitor_every_s=every("monitor_every_s"),
            prune_every_s=every("prune_every_s"),
            alert_every_s=every("alert_every_s"),
        )
