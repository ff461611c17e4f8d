"""One HTTP conversation with an awsconn server: the token, the envelope, the errors.

Every call sends the token in ``x-api-key``, puts the scope in Harness's query parameters
and returns the ``data`` of the ``ResponseDto`` answer. Anything else becomes an awsconn
error (:mod:`awsconn.client.error_bodies`): the server's error body the class it names,
a server that cannot be reached ``STORE_UNAVAILABLE`` (it is where the connectors are
stored), an answer that is not an awsconn server's ``INVALID_INPUT`` (the URL is wrong).
The token is never part of a message, a repr or a URL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from awsconn.client.error_bodies import error_of_body, error_of_status
from awsconn.errors import InvalidInput, Problem, StoreUnavailable, ValidationFailed
from awsconn.model import Scope
from awsconn.version import __version__

__all__ = [
    "DEFAULT_TIMEOUT",
    "TOKEN_HEADER",
    "Transport",
    "check_token",
    "check_url",
    "path_of",
]

TOKEN_HEADER = "x-api-key"
DEFAULT_TIMEOUT = 60.0
"""Seconds for one HTTP exchange (a connection test on the server takes up to 30 s)."""
_MAX_TOKEN_CHARS = 1024


def check_url(url: str) -> str:
    """``url`` without a trailing slash, or ValidationFailed naming ``url``: an http(s)
    address with a host, no credentials, query or fragment in it."""
    text = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        problem = Problem(
            "url",
            "is not the address of an awsconn server",
            given=url,
            allowed="http(s)://HOST[:PORT][/PATH], without credentials, query or fragment",
        )
        raise ValidationFailed([problem], what="server")
    return text.rstrip("/")


def check_token(token: str) -> str:
    """``token`` if it can be sent as a header value; InvalidInput otherwise, never
    echoing it (httpx would put the refused value in its message)."""
    if (
        not isinstance(token, str)
        or not token
        or len(token) > _MAX_TOKEN_CHARS
        or not all("!" <= ch <= "~" for ch in token)
    ):
        raise InvalidInput(
            "the API token is not valid: it must be 1 to 1024 printable ASCII characters "
            "without spaces (the value is not shown)",
            hint="pass the token exactly as 'awsconn token create' printed it",
        )
    return token


def _scope_query(scope: Scope | None) -> dict[str, str]:
    if scope is None:
        return {}
    out: dict[str, str] = {}
    if scope.org is not None:
        out["orgIdentifier"] = scope.org
    if scope.project is not None:
        out["projectIdentifier"] = scope.project
    return out


class Transport:
    """The HTTP side of a :class:`~awsconn.client.Client` (sync, one connection pool)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        self._http = httpx.Client(
            base_url=self.url,
            headers={
                TOKEN_HEADER: check_token(token),
                "user-agent": f"awsconn-client/{__version__}",
                "accept": "application/json",
            },
            timeout=timeout,
            verify=verify,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"Transport({self.url!r})"

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        scope: Scope | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        envelope: str = "data",
    ) -> Any:
        """``data`` of the answer to ``method path`` (``envelope="resource"``: the
        ``resource`` of Harness's older RestResponse); awsconn errors otherwise."""
        query = {**_scope_query(scope)}
        for key, value in (params or {}).items():
            if value is None:
                continue
            query[key] = "true" if value is True else "false" if value is False else value
        sent = dict(headers or {})
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            content_type = "application/json"
        if content_type is not None:
            sent["content-type"] = content_type
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = timeout
        try:
            answer = self._http.request(
                method, path, params=query, content=content, headers=sent, **extra
            )
        except httpx.TimeoutException:
            raise StoreUnavailable(
                f"the awsconn server at {self.url} did not answer in time",
                hint="check that it runs and answers, or give the call a longer timeout",
            ) from None
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"cannot reach the awsconn server at {self.url}: {_reason(exc)}",
                hint="check the address ('awsconn whoami' shows it) and that the server runs",
            ) from None
        return self._data(answer, envelope)

    def _data(self, answer: httpx.Response, envelope: str = "data") -> Any:
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.is_success:
            if isinstance(body, dict) and envelope in body:
                return body[envelope]
            raise InvalidInput(
                f"{self.url} answered {answer.request.method} {answer.request.url.path} with "
                "something that is not an awsconn answer",
                hint="check that the URL is the awsconn server's (its base, without /ng/api)",
            )
        if isinstance(body, dict) and (body.get("awsconnCode") or body.get("code")):
            raise error_of_body(answer.status_code, body)
        raise error_of_status(answer.status_code, self.url, answer.request.url.path)


def _reason(exc: httpx.TransportError) -> str:
    """What went wrong, short: httpx's message (it holds no header value)."""
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def path_of(template: str, **values: str) -> str:
    """A route path with its ``{parameters}`` filled in, each quoted as a path segment."""
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})
