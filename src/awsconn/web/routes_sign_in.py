"""Signing in and out.

Sign-in takes an API token once (a password field: it is never put back into a page)
and answers with the session cookie; the token itself goes nowhere else. The sign-in
form has no session yet, so its CSRF protection is a double submit: a random value in a
cookie of its own and in the form must agree. ``next`` only ever names a page of the UI.
"""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from awsconn.errors import Unauthenticated
from awsconn.service.ui_sessions import session_caller, sign_in, sign_out
from awsconn.web.pages import Links, render, security_headers
from awsconn.web.session import (
    SESSION_COOKIE,
    Ui,
    clear_session_cookie,
    client_address,
    cookie_path,
    form_of,
    is_secure,
    runtime_of,
    set_session_cookie,
)

router = APIRouter()

SIGN_IN_COOKIE = "awsconn_sign_in"
_NEXT = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.\-?=&%+,:~]{0,1000}\Z")


def _next_of(value: str | None) -> str:
    """A page of the UI to go to after signing in (the connectors when ``value`` is not one)."""
    return value if value and _NEXT.match(value) else "/connectors"


def _form(request: Request, *, next_path: str, error: str | None, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(32)
    response = render(
        request, "sign_in.html", status=status, next_path=next_path, error=error, nonce=nonce
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        nonce,
        max_age=3600,
        path=cookie_path(request),
        secure=is_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/")
async def home(request: Request) -> Response:
    return RedirectResponse(Links(request)("/connectors"), status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    next_path = _next_of(next)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            await run_in_threadpool(session_caller, runtime_of(request), session_id)
            return RedirectResponse(Links(request)(next_path), status_code=303)
        except Unauthenticated:
            pass
    return _form(request, next_path=next_path, error=None)


@router.post("/sign-in")
async def sign_in_post(request: Request) -> Response:
    form = await form_of(request)
    next_path = _next_of(form.get("next"))
    nonce = request.cookies.get(SIGN_IN_COOKIE, "")
    sent = form.get("sign_in_nonce", "")
    if not nonce or not hmac.compare_digest(nonce.encode(), sent.encode()):
        return _form(
            request,
            next_path=next_path,
            error="the sign-in form expired or came from another page: sign in again",
            status=403,
        )
    token = form.get("token", "").strip()
    try:
        opened = await run_in_threadpool(
            sign_in, runtime_of(request), token, address=client_address(request)
        )
    except Unauthenticated as exc:
        return _form(request, next_path=next_path, error=exc.message, status=401)
    response = RedirectResponse(
        Links(request)(next_path), status_code=303, headers=security_headers()
    )
    set_session_cookie(response, request, opened.session_id, opened.expires_at)
    response.delete_cookie(SIGN_IN_COOKIE, path=cookie_path(request))
    return response


@router.post("/sign-out")
async def sign_out_post(request: Request, ui: Ui) -> Response:
    await run_in_threadpool(sign_out, runtime_of(request), request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(
        Links(request)("/sign-in"), status_code=303, headers=security_headers()
    )
    clear_session_cookie(response, request)
    return response
