"""A loopback server of the container credentials protocol, for ``awsconn exec --server``.

Why: credentials put in a child's environment expire (an assumed role after an hour at
most), so a long ``terraform apply`` or deploy fails half-way. Every AWS SDK also reads
``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (+ ``AWS_CONTAINER_AUTHORIZATION_TOKEN``), the
protocol of ECS tasks, and asks that URL again before what it holds expires. This server
answers it with the connector's credentials, fetched again when less than
:data:`REFRESH_BEFORE_S` is left of them.

The contract: it listens on 127.0.0.1 only, on a free port, at a path and with an
authorization token both random per run; a request without the exact token (compared
in constant time) is 401 and gets nothing. Only temporary credentials are served (an
answer needs an ``Expiration``). A failed refresh is a 503 with a message without
secrets; the next request tries again. Stdlib only.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from awsconn.errors import AwsconnError, InvalidInput
from awsconn.model.clock import Clock, utc_now

__all__ = ["REFRESH_BEFORE_S", "ContainerCredentialServer", "expiry_of"]

REFRESH_BEFORE_S = 20 * 60
"""Fetch again once less than this is left: more than the 15 minutes before expiry at
which AWS SDKs ask again (botocore's advisory window), so what they get is fresh."""

Fetch = Callable[[], Mapping[str, Any]]


def expiry_of(creds: Mapping[str, Any]) -> datetime | None:
    """The ``Expiration`` of credential_process JSON as an aware datetime (None: none)."""
    text = creds.get("Expiration")
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


class ContainerCredentialServer:
    """Serves ``fetch()``'s credentials until :meth:`stop`; a context manager.

    ``fetch`` returns credential_process JSON (``AccessKeyId``, ``SecretAccessKey``,
    ``SessionToken``, ``Expiration``) and raises AwsconnError when it cannot.
    """

    def __init__(
        self, fetch: Fetch, *, refresh_before_s: float = REFRESH_BEFORE_S, clock: Clock = utc_now
    ) -> None:
        self._fetch = fetch
        self._refresh_before = timedelta(seconds=refresh_before_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Mapping[str, Any] | None = None
        self.token = secrets.token_urlsafe(32)
        self._path = "/awsconn/credentials/" + secrets.token_urlsafe(12)
        self.fetches = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}{self._path}"

    def environment(self) -> dict[str, str]:
        """What a child needs to use this server (and nothing of the credentials)."""
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def credentials(self) -> Mapping[str, Any]:
        """The credentials to serve now: those held, or fresh ones when less than the
        margin is left of them. Raises AwsconnError (from ``fetch``), or InvalidInput
        for credentials that never expire."""
        with self._lock:
            now = self._clock()
            held = self._current
            expiry = expiry_of(held) if held is not None else None
            if held is None or expiry is None or expiry - now <= self._refresh_before:
                fresh = self._fetch()
                self.fetches += 1
                if expiry_of(fresh) is None:
                    raise InvalidInput(
                        "the connector's credentials are long-lived access keys (no "
                        "expiry): there is nothing to refresh, so no server is needed",
                        hint="give the command the keys in its environment instead "
                        "(exec without the credential server)",
                    )
                self._current = held = fresh
            return held

    def start(self) -> ContainerCredentialServer:
        """Fetch the first credentials (their failure is raised here, the socket
        closed), then listen."""
        try:
            self.credentials()
        except BaseException:
            self._httpd.server_close()
            raise
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="awsconn-credential-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ContainerCredentialServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for a GET of ``path`` (what the handler sends)."""
        if path != self._path:
            return 404, {"message": "not found"}
        given = (authorization or "").encode()
        if not hmac.compare_digest(given, self.token.encode()):
            return 401, {"message": "the authorization token is missing or wrong"}
        try:
            creds = self.credentials()
        except AwsconnError as exc:
            return 503, exc.to_dict()
        return 200, {
            "AccessKeyId": creds["AccessKeyId"],
            "SecretAccessKey": creds["SecretAccessKey"],
            "Token": creds.get("SessionToken", ""),
            "Expiration": creds["Expiration"],
        }


def _handler_for(server: ContainerCredentialServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "awsconn"
        sys_version = ""

        def do_GET(self) -> None:
            status, body = server.answer(self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """No access log: the child's own output is what the user reads."""

    return Handler
