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


@dataclass(frozen=True)
class ServerSettings:
    """``threads``: requests whose service call runs at once per worker (blocking calls
    run in a thread pool of this size); ``request_timeout_s``: the deadline of one
    request's work (a connection test waits for its result up to it)."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    root_path: str = ""
    certfile: str | None = None
    keyfile: str | None = None
    threads: int = 40
    request_timeout_s: float = 120.0

    def app_environ(self) -> dict[str, str]:
        """What a worker process needs to rebuild the application's part of the settings."""
        return {_THREADS: str(self.threads), _REQUEST_TIMEOUT: repr(self.request_timeout_s)}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ServerSettings:
        """The application's settings as :meth:`app_environ` wrote them (defaults otherwise)."""
        threads = environ.get(_THREADS)
        timeout = environ.get(_REQUEST_TIMEOUT)
        return cls(
            threads=int(threads) if threads else cls.threads,
            request_timeout_s=float(timeout) if timeout else cls.request_timeout_s,
        )
