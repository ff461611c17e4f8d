"""A local HTTP receiver for the alert webhook: stdlib ``http.server`` in a thread.

:class:`Receiver` records every POST (path, headers, raw body, JSON) and answers from a
script of statuses (then 200); it can hold its answers back (``hang``) to test timeouts.
``receiver`` is a fresh one per test.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["Post", "Receiver", "receiver"]


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    raw: bytes
    status: int

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


class Receiver:
    """Answers POSTs on ``url``; ``posts`` are those answered, ``delivered`` the 2xx ones."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self._script: deque[int] = deque()
        self._lock = threading.Condition()
        self._hang = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if owner._hang.is_set():
                    owner._hang_released.wait(30)
                with owner._lock:
                    status = owner._script.popleft() if owner._script else 200
                    owner.posts.append(Post(self.path, dict(self.headers), raw, status))
                    owner._lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self._hang_released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/T0KEN-IN-THE-PATH"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer_with(self, *statuses: int) -> None:
        """The next POSTs are answered with these statuses, in order (then 200)."""
        with self._lock:
            self._script.extend(statuses)

    def hang(self) -> None:
        """Hold every answer back until :meth:`release` (or 30 s)."""
        self._hang_released.clear()
        self._hang.set()

    def release(self) -> None:
        self._hang.clear()
        self._hang_released.set()

    @property
    def delivered(self) -> list[Post]:
        with self._lock:
            return [p for p in self.posts if 200 <= p.status < 300]

    def wait_for(self, count: int, timeout_s: float = 60.0) -> list[Post]:
        """The delivered posts once there are at least ``count`` (a watchdog, not a timing
        assertion: the test fails only when they never come)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while len([p for p in self.posts if 200 <= p.status < 300]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [p.body for p in self.posts]
                    raise AssertionError(f"{count} deliveries expected, got: {got}")
                self._lock.wait(left)
        return self.delivered

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.stop()
