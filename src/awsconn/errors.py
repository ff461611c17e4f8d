"""The one error tree of awsconn; its codes are the CLI's exit codes and the API's statuses.

Exit codes: 2 when the request itself cannot be carried out as given (bad input, not
found, conflict); 1 when a check or test failed or the environment did not cooperate
(AWS, the database, the delegate); the README's table lists every code.

::

    AwsconnError                  root; never raised itself
    ├── InvalidInput              bad input from a user (exit 2, HTTP 400)
    │   └── ValidationFailed      one or more field problems, each with its path
    ├── NotFound                  a named connector/secret/... does not exist (exit 2, HTTP 404)
    ├── Unauthenticated           no valid API token was presented (exit 2, HTTP 401)
    ├── Forbidden                 the caller's role does not allow this here (exit 2, HTTP 403)
    ├── Conflict                  already exists, in use, or a stale version (exit 2, HTTP 409)
    │   └── ConcurrentWrite       another transaction wrote the same rows at the same moment;
    │                             running the work again on fresh data resolves it
    ├── DelegateUnavailable       no delegate may run this connector's work (exit 1, HTTP 409)
    ├── TaskExpired               no delegate ended a task in time (exit 1, HTTP 504)
    ├── AwsCallFailed             an AWS call failed; carries a taxonomy code and a hint (exit 1)
    ├── StoreUnavailable          the database is locked, unreachable or unusable (exit 1, HTTP 503)
    ├── StoreCorrupt              a stored value has a shape awsconn never writes (exit 1, HTTP 500)
    ├── MasterKeyMissing          secrets exist but no master key is configured (exit 1, HTTP 500)
    ├── MasterKeyMismatch         the loaded master keys do not open a secret (exit 1, HTTP 500)
    └── InternalError             a bug or a broken installation (exit 1, HTTP 500)

Lower-level errors (botocore, SQLAlchemy, cryptography) are converted to the most
specific class here, with ``raise ... from exc``, at the layer that talks to them.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_GIVEN_CHARS",
    "MAX_REPORTED_PROBLEMS",
    "UNPRINTABLE",
    "AwsCallFailed",
    "AwsFailure",
    "AwsconnError",
    "ConcurrentWrite",
    "Conflict",
    "DelegateUnavailable",
    "Forbidden",
    "InternalError",
    "InvalidInput",
    "MasterKeyMismatch",
    "MasterKeyMissing",
    "NotFound",
    "Problem",
    "StoreCorrupt",
    "StoreUnavailable",
    "TaskExpired",
    "Unauthenticated",
    "ValidationFailed",
    "bounded_given",
    "own_error_class",
]


MAX_GIVEN_CHARS = 100
"""How much of a bad value a Problem keeps: enough to recognise it, never the whole of it."""
MAX_REPORTED_PROBLEMS = 100
"""How many problems one ValidationFailed lists; the rest are counted."""
_MAX_TEXT_CHARS = 1000  # path, message and allowed text of one problem

UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Characters that must not reach a terminal or a log line raw: C0/C1 controls (CR, LF,
NUL, ESC, ...), line/paragraph separators, bidi overrides and isolates, lone surrogates."""


def _escape(text: str) -> str:
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _printable(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, control characters escaped."""
    out = _escape(text[:limit])
    if len(text) <= limit and len(out) <= limit:
        return out
    return f"{out[:limit]}… ({len(text)} characters)"


class _BoundedRepr(reprlib.Repr):
    """reprlib with ints that cannot fail (repr of an int over 4,300 digits raises)."""

    def repr_int(self, x: int, level: int) -> str:
        return str(x) if x.bit_length() <= 128 else "<integer too long to show>"


_REPR = _BoundedRepr()
_REPR.maxlevel = 2
_REPR.maxstring = MAX_GIVEN_CHARS
_REPR.maxother = MAX_GIVEN_CHARS
_REPR.maxlong = 40


def bounded_given(value: Any) -> Any:
    """What a Problem may echo of ``value``: scalars as they are (text and long numbers cut
    to a prefix), anything else as a short summary, so no input can make an error large."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 64 else "<integer too long to show>"
    if isinstance(value, str):
        return _shorten(value, MAX_GIVEN_CHARS)
    return _shorten(_REPR.repr(value), MAX_GIVEN_CHARS)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (dotted path), what, what was given, what is allowed.

    Whatever is passed in, a Problem holds a bounded, printable version of it: ``given`` is
    cut to a short prefix (containers become a short summary) and path, message and allowed
    text are cut and have control characters escaped, so a hostile input cannot make an
    error message huge or write escape sequences to a terminal.
    """

    path: str
    message: str
    given: Any = None
    allowed: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _printable(str(self.path), 200))
        object.__setattr__(self, "message", _printable(str(self.message), _MAX_TEXT_CHARS))
        object.__setattr__(self, "given", bounded_given(self.given))
        if self.allowed is not None:
            allowed = _printable(str(self.allowed), _MAX_TEXT_CHARS)
            object.__setattr__(self, "allowed", allowed)

    def __str__(self) -> str:
        text = f"{self.path or '(document)'}: {self.message}"
        if self.given is not None:
            text += f" (given: {self.given!r})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "message": self.message}
        if self.given is not None:
            out["given"] = self.given
        if self.allowed:
            out["allowed"] = self.allowed
        return out


class AwsconnError(Exception):
    """Root of every error awsconn raises on purpose."""

    code: str = "ERROR"
    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


class InvalidInput(AwsconnError):
    """The user's input cannot be accepted as given."""

    code = "INVALID_INPUT"
    exit_code = 2
    http_status = 400


class ValidationFailed(InvalidInput):
    """A document or a set of fields has problems; all of them are reported at once."""

    code = "VALIDATION_FAILED"

    def __init__(self, problems: Sequence[Problem], *, what: str = "input") -> None:
        count = len(problems)
        if count > MAX_REPORTED_PROBLEMS:  # a bounded report, however broken the input
            kept = MAX_REPORTED_PROBLEMS - 1
            problems = [
                *problems[:kept],
                Problem("", f"and {count - kept} more problems, not listed; fix these first"),
            ]
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{what} is not valid ({count} problem{'s' * (count != 1)}):\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problems"] = [p.to_dict() for p in self.problems]
        return out


class NotFound(AwsconnError):
    """A referenced object does not exist."""

    code = "NOT_FOUND"
    exit_code = 2
    http_status = 404


class Unauthenticated(AwsconnError):
    """No token, or one that is unknown, expired or revoked (the message never echoes it)."""

    code = "UNAUTHENTICATED"
    exit_code = 2
    http_status = 401


class Forbidden(AwsconnError):
    """The caller is known, but its role in that scope does not include the permission."""

    code = "FORBIDDEN"
    exit_code = 2
    http_status = 403


class Conflict(AwsconnError):
    """The object exists already, is in use, or changed since it was read (stale version).

    Exit 2 like NOT_FOUND: the request does not fit what is stored, and running it again
    unchanged cannot succeed; exit 1 is kept for "a check or a test failed".
    """

    code = "CONFLICT"
    exit_code = 2
    http_status = 409


class ConcurrentWrite(Conflict):
    """Another transaction wrote the same rows at the same moment (a unique key it inserted
    first, a serialization failure, a deadlock); the work can run again on fresh data."""


class DelegateUnavailable(AwsconnError):
    """No delegate covers the connector's selectors (or the task may not run here)."""

    code = "DELEGATE_UNAVAILABLE"
    exit_code = 1
    http_status = 409


class TaskExpired(AwsconnError):
    """A task handed to a delegate did not end by its deadline (none took it in time, or
    the one running it did not post its outcome)."""

    code = "TASK_EXPIRED"
    exit_code = 1
    http_status = 504


@dataclass
class AwsFailure:
    """A failed AWS call, classified: taxonomy code, message, what to change, AWS's own ids."""

    code: str
    message: str
    hint: str = ""
    aws_error_code: str | None = None
    request_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "awsErrorCode": self.aws_error_code,
            "requestId": self.request_id,
        }


class AwsCallFailed(AwsconnError):
    """An AWS call failed outside a connection test; carries the classified failure."""

    exit_code = 1
    http_status = 502

    def __init__(self, failure: AwsFailure) -> None:
        super().__init__(failure.message, hint=failure.hint or None)
        self.failure = failure
        self.code = failure.code

    def to_dict(self) -> dict[str, Any]:
        return self.failure.to_dict()


class StoreUnavailable(AwsconnError):
    """The database cannot be used now (locked, unreachable, unreadable); a retry may help."""

    code = "STORE_UNAVAILABLE"
    exit_code = 1
    http_status = 503


class StoreCorrupt(AwsconnError):
    """A stored value has a type or shape awsconn never writes (the database was edited)."""

    code = "STORE_CORRUPT"
    exit_code = 1
    http_status = 500


class MasterKeyMissing(AwsconnError):
    """Secrets are stored but no master key is configured to open them (none is created)."""

    code = "MASTER_KEY_MISSING"
    exit_code = 1
    http_status = 500


class MasterKeyMismatch(AwsconnError):
    """The master keys loaded do not open a secret: its key is not loaded, or not that key."""

    code = "MASTER_KEY_MISMATCH"
    exit_code = 1
    http_status = 500


class InternalError(AwsconnError):
    """Something that should not happen; the message says what to report."""

    code = "INTERNAL"


def problems_of(errors: Iterable[AwsconnError]) -> list[Problem]:
    """Flatten the problems of several validation errors (others become document-level)."""
    out: list[Problem] = []
    for err in errors:
        if isinstance(err, ValidationFailed):
            out.extend(err.problems)
        else:
            out.append(Problem(path="", message=err.message))
    return out


def own_error_class(code: str) -> type[AwsconnError] | None:
    """The class of awsconn's own error ``code`` whose constructor is ``(message, hint=)``
    (to rebuild an error another process sent: a server's answer, a delegate's task); None
    for every other code (AWS's taxonomy, VALIDATION_FAILED with its problems, unknown)."""
    return _OWN_BY_CODE.get(code)


_OWN_BY_CODE: dict[str, type[AwsconnError]] = {
    cls.code: cls
    for cls in (
        InvalidInput,
        NotFound,
        Unauthenticated,
        Forbidden,
        Conflict,
        DelegateUnavailable,
        StoreUnavailable,
        StoreCorrupt,
        MasterKeyMissing,
        MasterKeyMismatch,
        InternalError,
        TaskExpired,
    )
}
