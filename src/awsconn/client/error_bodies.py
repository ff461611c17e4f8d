"""A server's error body back into the awsconn error that made it.

The server answers every error with Harness's ``Error`` body and awsconn's extra fields
(``awsconnCode``, ``hint``, ``problems``, ``awsErrorCode``, ``requestId``; docs/api.md).
The client raises the same class the service raised on the server, with the same code,
message, hint and problems, so a caller catches what it would catch locally and the CLI
exits as it does on a local store. A ``ValidationFailed`` is rebuilt from its problems:
its message is the one the service wrote, not the one-line summary of the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from awsconn.errors import (
    AwsCallFailed,
    AwsconnError,
    AwsFailure,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    StoreUnavailable,
    Unauthenticated,
    ValidationFailed,
    own_error_class,
)

__all__ = ["ServerError", "error_of_body", "error_of_status"]


_BY_STATUS: dict[int, type[AwsconnError]] = {
    400: InvalidInput,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_NOT_VALID = re.compile(r"^(?P<what>.+?) is not valid \((?P<count>\d+) problems?\)")


class ServerError(AwsconnError):
    """An error with a code this client does not know (a newer server's): its code and
    message as sent; exit 2 for a 4xx status (the request), 1 otherwise."""

    def __init__(self, code: str, message: str, *, hint: str | None, status: int) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.http_status = status
        self.exit_code = 2 if 400 <= status < 500 else 1


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _problems(body: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for item in body.get("problems") or ():
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            out.append(
                Problem(
                    item["path"],
                    str(item.get("message") or "is not valid"),
                    given=item.get("given"),
                    allowed=_text(item.get("allowed")),
                )
            )
    return out


def _validation_failed(message: str, problems: list[Problem], hint: str | None) -> ValidationFailed:
    found = _NOT_VALID.match(message)
    err = ValidationFailed(problems, what=found["what"] if found else "input")
    if found is None or not problems:  # not the service's form: keep the server's words
        err.message = message
    elif int(found["count"]) != len(problems):  # the server listed the first 100 of more
        lines = "\n".join(f"  - {p}" for p in err.problems)
        err.message = f"{found['what']} is not valid ({found['count']} problems):\n{lines}"
    err.args = (err.message,)
    err.hint = hint
    return err


def error_of_body(status: int, body: Mapping[str, Any]) -> AwsconnError:
    """The awsconn error an error body describes (an unknown code: :class:`ServerError`)."""
    code = _text(body.get("awsconnCode")) or ""
    message = _text(body.get("message")) or f"the server answered HTTP {status}"
    hint = _text(body.get("hint"))
    if not _CODE.match(code):
        cls = _BY_STATUS.get(status)
        if cls is not None:
            return cls(message, hint=hint)
        harness = _text(body.get("code")) or "ERROR"
        return ServerError(harness if _CODE.match(harness) else "ERROR", message, hint=hint,
                           status=status)  # fmt: skip
    if code == ValidationFailed.code:
        return _validation_failed(message, _problems(body), hint)
    own = own_error_class(code)  # every other code a server sends is an AWS failure's
    if own is not None:
        return own(message, hint=hint)
    if status in (422, 500, 502, 503, 504):  # an AWS call failed (the taxonomy's codes)
        return AwsCallFailed(
            AwsFailure(
                code=code,
                message=message,
                hint=hint or "",
                aws_error_code=_text(body.get("awsErrorCode")),
                request_id=_text(body.get("requestId")),
            )
        )
    return ServerError(code, message, hint=hint, status=status)


def error_of_status(status: int, url: str, path: str) -> AwsconnError:
    """An error answer without an awsconn body (a proxy, a wrong URL, a crashed server)."""
    if status >= 500:
        return StoreUnavailable(
            f"the awsconn server at {url} failed (HTTP {status}) on {path}",
            hint="try again; if it persists, the server's log says why",
        )
    return InvalidInput(
        f"{url} answered HTTP {status} on {path}, not as an awsconn server does",
        hint="check that the URL is the awsconn server's (its base, without /ng/api)",
    )
