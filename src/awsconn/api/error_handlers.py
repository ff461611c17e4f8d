"""Errors as answers: every awsconn error, request validation error and HTTP error of the
framework becomes Harness's error body (``harness_errors.error_body``) with the request's
correlation id. Anything else is the gate's (500, the correlation id only)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from awsconn.api.calls import json_response
from awsconn.api.harness_errors import error_body, problems_of_validation_errors
from awsconn.errors import AwsconnError, InvalidInput, NotFound, ValidationFailed

__all__ = ["answer_error", "install_error_handlers"]


def answer_error(request: Request, err: AwsconnError, *, status: int | None = None) -> Response:
    """``err`` as Harness's error body and its HTTP status (``status`` overrides it)."""
    correlation_id = getattr(request.state, "correlation_id", "") or "-"
    code, body = error_body(err, correlation_id=correlation_id)
    return json_response(body.to_wire(), status=status or code)


async def _awsconn_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AwsconnError)
    return answer_error(request, exc)


_CARRY_SECRETS = frozenset({"postSecret", "putSecret", "finishDelegateTask"})
"""Operations whose body holds a secret value (a credentials task's result too): their
errors echo no value given."""


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    route = request.scope.get("route")
    echo = getattr(route, "operation_id", None) not in _CARRY_SECRETS
    problems = problems_of_validation_errors(exc.errors(), echo=echo)
    return answer_error(request, ValidationFailed(problems, what="request"))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    err: AwsconnError
    if exc.status_code == 404:
        err = NotFound("no such endpoint", hint="GET /openapi.json lists every endpoint")
    elif exc.status_code == 405:
        err = InvalidInput(
            f"method {request.method} is not allowed here",
            hint="GET /openapi.json lists each endpoint's methods",
        )
    else:
        err = InvalidInput(f"the request was refused (HTTP {exc.status_code})")
    response = answer_error(request, err, status=exc.status_code)
    headers: Any = getattr(exc, "headers", None)
    if headers:
        response.headers.update(headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AwsconnError, _awsconn_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
