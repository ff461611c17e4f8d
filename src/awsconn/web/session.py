"""Who a UI request is: the session cookie, the CSRF check, the request's AppContext.

The API's gate lets ``/ui/`` through without a token: every page but sign-in depends on
:func:`ui_call`, which finds the caller through the session cookie (``service.
ui_sessions``) and, for every request that is not a GET or HEAD, checks the session's
CSRF token, sent as a form field or (htmx) as a header. The cookie is HttpOnly,
SameSite=Lax, limited to the UI's path, and Secure when the request came over TLS (or a
proxy says so with ``X-Forwarded-Proto: https``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.aws.deadline import Deadline
from awsconn.errors import AwsconnError, Forbidden, Unauthenticated
from awsconn.model import Scope
from awsconn.service.access import Caller, Permission
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime
from awsconn.service.ui_sessions import csrf_token, session_caller

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfRefused",
    "SignInNeeded",
    "Ui",
    "UiCall",
    "clear_session_cookie",
    "client_address",
    "is_secure",
    "set_session_cookie",
    "ui_call",
]

SESSION_COOKIE = "awsconn_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


class SignInNeeded(Unauthenticated):
    """No live session: the page sends the browser to sign in (then back to ``next``)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(
            "the session has ended or was never valid", hint="sign in again with an API token"
        )
        self.next_path = next_path


class CsrfRefused(Forbidden):
    """A state-changing request without this session's CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            "the form was not sent by this session's page (its CSRF token is missing or wrong)",
            hint="reload the page and send the form again",
        )


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def is_secure(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly, or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def cookie_path(request: Request) -> str:
    """The UI's own path (the root path included): the cookie goes nowhere else."""
    return str(request.scope.get("root_path") or "") or "/"


def set_session_cookie(
    response: Response, request: Request, session_id: str, expires_at: datetime
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        expires=expires_at,
        path=cookie_path(request),
        secure=is_secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=cookie_path(request),
        secure=is_secure(request),
        httponly=True,
        samesite="lax",
    )


@dataclass(frozen=True)
class UiCall:
    """One signed-in request: its AppContext (the session's caller, the request's
    deadline) and the CSRF token its pages put in every form."""

    request: Request
    ctx: AppContext
    csrf: str

    @property
    def caller(self) -> Caller:
        return self.ctx.caller

    def can(self, permission: Permission, scope: Scope) -> bool:
        return self.ctx.caller.can(permission, scope)


def _next_path(request: Request) -> str:
    """Where to come back after signing in: this page (GET), else the UI's start."""
    if request.method != "GET" or request.headers.get("hx-request"):
        return "/"
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    inner = path[len(root) :] if root and path.startswith(root) else path
    query = request.url.query
    return inner + (f"?{query}" if query else "")


async def _sent_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def ui_call(request: Request) -> UiCall:
    """The FastAPI dependency of every signed-in page (see the module docstring)."""
    runtime = runtime_of(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    try:
        caller = await run_in_threadpool(
            session_caller, runtime, session_id, address=client_address(request)
        )
    except Unauthenticated:
        raise SignInNeeded(_next_path(request)) from None
    assert session_id is not None  # a caller was found through it
    expected = csrf_token(session_id)
    if request.method not in _SAFE_METHODS:
        sent = await _sent_csrf(request)
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfRefused()
    timeout = request.app.state.settings.request_timeout_s
    ctx = AppContext(
        runtime=runtime, caller=caller, deadline=Deadline(timeout, workers=runtime.workers)
    )
    return UiCall(request, ctx, expected)


Ui = Annotated[UiCall, Depends(ui_call)]


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form as text values (several values of a name: the last one);
    ``getlist`` needs the form itself."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def problem_error(err: AwsconnError) -> dict[str, Any]:
    """An error as a page shows it: code, message, hint, field problems."""
    problems = getattr(err, "problems", None) or []
    return {
        "code": err.code,
        "message": err.message,
        "hint": err.hint,
        "problems": [
            {"path": p.path, "message": p.message, "allowed": p.allowed} for p in problems
        ],
    }
