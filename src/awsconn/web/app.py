"""The web UI as an application of its own, mounted by the server at ``/ui`` (its assets at
``/static``): server-rendered pages over the same service calls as the API.

Errors become pages, never a stack trace: no session sends the browser to sign in (an
htmx request is told where with ``HX-Redirect``), an awsconn error is a page with its
code, message and hint (a fragment for htmx), and anything unexpected is a page naming
the correlation id only (the API's gate logs where it happened).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from awsconn.errors import AwsconnError, InvalidInput, NotFound, Problem, ValidationFailed
from awsconn.service.runtime import Runtime
from awsconn.web import (
    routes_audit,
    routes_connectors,
    routes_delegates,
    routes_permissions,
    routes_secrets,
    routes_sign_in,
    routes_wizard,
)
from awsconn.web.pages import STATIC_DIR, UI_PREFIX, Links, render, security_headers
from awsconn.web.session import SignInNeeded, problem_error

__all__ = ["UI_PREFIX", "create_web_app", "install_web"]


def _error_page(request: Request, err: AwsconnError, status: int | None = None) -> Response:
    return render(
        request,
        "error.html",
        status=status or err.http_status,
        error=problem_error(err),
        ui=None,
    )


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    target = Links(request)("/sign-in", next=exc.next_path if exc.next_path != "/" else None)
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target, **security_headers()})
    return RedirectResponse(target, status_code=303, headers=security_headers())


async def _awsconn_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AwsconnError)
    return _error_page(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        Problem(".".join(str(p) for p in e.get("loc", ())[1:]), str(e.get("msg", "is not valid")))
        for e in exc.errors()
    ]
    return _error_page(request, ValidationFailed(problems, what="request"))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    err: AwsconnError
    if exc.status_code == 404:
        err = NotFound("no such page", hint="the Connectors page lists what there is")
    else:
        err = InvalidInput(f"the request was refused (HTTP {exc.status_code})")
    return _error_page(request, err, status=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    err = AwsconnError(
        "the server failed while answering this page",
        hint="try again; if it keeps failing, report the correlation id below",
    )
    err.code = "INTERNAL"
    return _error_page(request, err, status=500)


def create_web_app(runtime: Runtime, settings: Any) -> FastAPI:
    """The UI's application over the server's runtime and settings."""
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web.state.runtime = runtime
    web.state.settings = settings
    web.add_exception_handler(SignInNeeded, _sign_in_needed)
    web.add_exception_handler(AwsconnError, _awsconn_error)
    web.add_exception_handler(RequestValidationError, _validation_error)
    web.add_exception_handler(StarletteHTTPException, _http_error)
    web.add_exception_handler(Exception, _unexpected)
    for module in (
        routes_sign_in,
        routes_connectors,
        routes_wizard,
        routes_permissions,
        routes_secrets,
        routes_delegates,
        routes_audit,
    ):
        web.include_router(module.router)
    return web


def install_web(app: FastAPI, runtime: Runtime, settings: Any) -> None:
    """Mount the UI at ``/ui`` and its assets at ``/static`` on the server's application."""
    app.mount(UI_PREFIX, create_web_app(runtime, settings), name="ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
