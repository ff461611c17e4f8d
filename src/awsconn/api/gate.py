"""What every request passes through before and after its route: the gate.

- A correlation id: ``X-Correlation-Id`` when the request brings a sensible one, a new
  one otherwise; echoed on the answer and in every error body and log line.
- Authentication: every path but the public ones (the route table's, ``/.well-known/``,
  ``/static/``) needs a token (``x-api-key: TOKEN`` or ``Authorization: Bearer TOKEN``);
  no token or one that authenticates nothing is 401 before any route runs, with the one
  message that never says which. The caller (with the request's address) is left in
  ``request.state.caller``.
- A bounded body: more than :data:`MAX_BODY_BYTES` is refused (413).
- Anything a route raises that no error handler took is a 500 naming the correlation
  id only; the log line has the exception's type and where it was raised, not its
  message (which could hold a value).
- One access log line per request (method, route template, status, duration,
  correlation id, caller name, worker pid: never a body, a header value or a query
  string) and the
  latency histogram.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from awsconn.api.harness_errors import error_body, unexpected_error_body
from awsconn.api.paths import PUBLIC_PATH_PREFIXES, ROUTES
from awsconn.errors import AwsconnError, InvalidInput, Unauthenticated

__all__ = ["CORRELATION_HEADER", "MAX_BODY_BYTES", "Gate"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CORRELATION_HEADER = "x-correlation-id"
MAX_BODY_BYTES = 4 * 1024 * 1024
_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")
_PUBLIC = frozenset(r.path for r in ROUTES if r.public)
_NO_TOKEN = "no valid API token was presented"
_NO_TOKEN_HINT = "present a current token; an admin can create or renew one"

access_log = logging.getLogger("awsconn.access")
server_log = logging.getLogger("awsconn.server")


class _TooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            try:
                return bytes(value).decode("latin-1")
            except (UnicodeDecodeError, TypeError):
                return None
    return None


def token_of(scope: Scope) -> str | None:
    """The token a request presents: ``x-api-key``, else ``Authorization: Bearer``."""
    key = _header(scope, b"x-api-key")
    if key and key.strip():
        return key.strip()
    auth = _header(scope, b"authorization")
    if auth:
        kind, _, value = auth.strip().partition(" ")
        if kind.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def is_public(path: str) -> bool:
    return path in _PUBLIC or path.startswith(PUBLIC_PATH_PREFIXES)


class Gate:
    """The ASGI middleware described in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        identify: Callable[[str, str | None], tuple[Any, Any]],
        record_use: Callable[[str, Any], None],
        inline: bool,
        metrics: Any,
    ) -> None:
        """``identify(token, address)``: the caller and the moment to record as the
        token's last use (None when not due), by reads only; ``record_use(token_id,
        moment)`` writes it. ``inline``: ``identify`` never waits (a local point read), so
        it runs on the event loop instead of a worker thread."""
        self.app = app
        self._identify = identify
        self._record_use = record_use
        self._inline = inline
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, CORRELATION_HEADER.encode())
        correlation_id = given if given and _CORRELATION.match(given) else str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id
        outcome = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                outcome["started"] = True
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            error = await self._admit(scope, state)
            if error is not None:
                await self._error(send_with_id, error, correlation_id)
            else:
                await self.app(scope, self._bounded(scope, receive), send_with_id)
        except _TooLarge:
            if not outcome["started"]:
                err = InvalidInput(
                    f"the request body is larger than {MAX_BODY_BYTES} bytes",
                    hint="send less at once (a connector document is at most 2 MiB)",
                )
                await self._error(send_with_id, err, correlation_id, status=413)
        except Exception as exc:  # a bug: logged by type and place, answered by id only
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:]).strip()
            server_log.error(
                "%s",
                json.dumps(
                    {
                        "event": "internal_error",
                        "correlationId": correlation_id,
                        "type": type(exc).__name__,
                        "where": where,
                    }
                ),
            )
            if not outcome["started"]:
                status, body = unexpected_error_body(correlation_id=correlation_id)
                await _send_json(send_with_id, status, body.to_wire())
        finally:
            elapsed = time.perf_counter() - started
            route = self._route_of(scope)
            caller = state.get("caller")
            self._metrics.observe(scope["method"], route, int(outcome["status"]), elapsed)
            access_log.info(
                "%s",
                json.dumps(
                    {
                        "event": "access",
                        "method": scope["method"],
                        "route": route,
                        "status": outcome["status"],
                        "durationMs": round(elapsed * 1000, 2),
                        "correlationId": correlation_id,
                        "caller": caller.name if caller is not None else None,
                        "pid": os.getpid(),
                    },
                    ensure_ascii=True,
                ),
            )

    async def _admit(self, scope: Scope, state: dict[str, Any]) -> AwsconnError | None:
        """None when the request may go on (public, or its token names a caller)."""
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise _TooLarge
        path = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if is_public(path):
            return None
        token = token_of(scope)
        if token is None:
            return Unauthenticated(_NO_TOKEN, hint=_NO_TOKEN_HINT)
        client = scope.get("client")
        address = client[0] if client else None
        try:
            if self._inline:
                caller, due = self._identify(token, address)
            else:
                caller, due = await run_in_threadpool(self._identify, token, address)
        except AwsconnError as exc:
            return exc
        if due is not None:  # at most once a while per token: a write, off the loop
            await run_in_threadpool(self._record_use, caller.token_id, due)
        state["caller"] = caller
        return None

    def _bounded(self, scope: Scope, receive: Receive) -> Receive:
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY_BYTES:
                    raise _TooLarge
            return message

        return bounded

    async def _error(
        self, send: Send, err: AwsconnError, correlation_id: str, *, status: int | None = None
    ) -> None:
        code, body = error_body(err, correlation_id=correlation_id)
        await _send_json(send, status or code, body.to_wire())

    def _route_of(self, scope: Scope) -> str:
        """The route template (never the path as sent: it could hold anything)."""
        route = scope.get("route")
        if route is not None:
            return str(getattr(route, "path", "unmatched"))
        app = scope.get("app")
        router = getattr(app, "router", None)
        for candidate in getattr(router, "routes", ()):
            try:
                match, _ = candidate.matches({**scope, "type": "http"})
            except Exception:  # a route that cannot match this scope
                continue
            if match == Match.FULL:
                return str(getattr(candidate, "path", "unmatched"))
        return "unmatched"


async def _send_json(send: Send, status: int, body: Any) -> None:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
