"""awsconn's errors in Harness's words: HTTP status, Harness ErrorCode, the error body.

Every code awsconn raises (``awsconn.errors``) and every code of the AWS taxonomy
(``awsconn.aws.diagnosis``) has one row in :data:`ERROR_MAP`; tests derive the codes
from those modules, so a new code without a row fails them. The statuses of awsconn's
own codes are the ones ``errors.py`` declares (a test keeps them equal); an AWS failure
outside a connection test is 422 when the connector's settings or its AWS identity are
what must change, 5xx when AWS or the network did not cooperate. A connection test
that fails is not an error: testConnection answers 200 with ``status: FAILURE``.

:func:`error_body` builds the body (Harness's ``Error`` plus awsconn's extra fields),
bounded whatever the input and never with a traceback. The connection test's outcome
in Harness's shapes (``ConnectorValidationResult``, ``ErrorDetail``) is built here too,
by :func:`validation_result`, with the conventions its docstring states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from awsconn.api.harness_base import to_epoch_ms
from awsconn.api.harness_connectors import (
    ConnectionIdentity,
    ConnectivityStatus,
    ConnectorConnectivityDetails,
    ConnectorValidationResult,
    ErrorDetail,
)
from awsconn.api.harness_envelopes import ErrorDTO, ProblemDTO, ResponseMessage
from awsconn.errors import (
    MAX_REPORTED_PROBLEMS,
    UNPRINTABLE,
    AwsCallFailed,
    AwsconnError,
    Problem,
    ValidationFailed,
)

if TYPE_CHECKING:
    from awsconn.model.results import ConnectionTestOutcome


class FailureLike(Protocol):
    """A classified failure: ``errors.AwsFailure`` or the result model ``Failure``."""

    code: str
    message: str
    hint: str
    aws_error_code: str | None
    request_id: str | None


__all__ = [
    "ERROR_DETAIL_CODE",
    "ERROR_MAP",
    "MAX_MESSAGE_CHARS",
    "HarnessError",
    "connectivity_details",
    "connectivity_status",
    "error_body",
    "error_detail",
    "harness_error",
    "problems_of_validation_errors",
    "unexpected_error_body",
    "validation_result",
]

MAX_MESSAGE_CHARS = 2000
"""The longest message or hint an error body carries; the rest is cut and counted."""

ERROR_DETAIL_CODE = 450
"""``ErrorDetail.code`` of every error awsconn reports. Harness fills it from its own
catalogue of messages and answers 450 for anything outside it, which every awsconn
error is; scripts tell errors apart by ``reason`` (awsconn's code)."""


@dataclass(frozen=True)
class HarnessError:
    """How one awsconn code travels: the HTTP status and the Harness ErrorCode."""

    http_status: int
    code: str


ERROR_MAP: Mapping[str, HarnessError] = {
    # awsconn's own codes (statuses as errors.py declares them)
    "INVALID_INPUT": HarnessError(400, "INVALID_REQUEST"),
    "VALIDATION_FAILED": HarnessError(400, "INVALID_REQUEST"),
    "UNAUTHENTICATED": HarnessError(401, "INVALID_TOKEN"),
    "FORBIDDEN": HarnessError(403, "ACCESS_DENIED"),
    "NOT_FOUND": HarnessError(404, "RESOURCE_NOT_FOUND"),
    "CONFLICT": HarnessError(409, "DUPLICATE_FIELD"),
    "DELEGATE_UNAVAILABLE": HarnessError(409, "DELEGATE_NOT_AVAILABLE"),
    "STORE_UNAVAILABLE": HarnessError(503, "HTTP_SERVICE_UNAVAILABLE"),
    "STORE_CORRUPT": HarnessError(500, "UNEXPECTED"),
    "MASTER_KEY_MISSING": HarnessError(500, "ENCRYPTION_NOT_CONFIGURED"),
    "MASTER_KEY_MISMATCH": HarnessError(500, "ENCRYPT_DECRYPT_ERROR"),
    "INTERNAL": HarnessError(500, "INTERNAL_SERVER_ERROR"),
    # the AWS taxonomy: the connector's settings or identity must change (422) ...
    "NO_CREDENTIALS": HarnessError(422, "INVALID_CREDENTIAL"),
    "INVALID_CREDENTIALS": HarnessError(422, "INVALID_CREDENTIAL"),
    "EXPIRED_CREDENTIALS": HarnessError(422, "INVALID_CREDENTIAL"),
    "PARTITION_MISMATCH": HarnessError(422, "INVALID_CREDENTIAL"),
    "ASSUME_ROLE_FAILED": HarnessError(422, "AWS_STS_ERROR"),
    "WEB_IDENTITY_FAILED": HarnessError(422, "AWS_STS_ERROR"),
    "DESCRIBE_REGIONS_DENIED": HarnessError(422, "AWS_ACCESS_DENIED"),
    "ACCESS_DENIED": HarnessError(422, "AWS_ACCESS_DENIED"),
    "REGION_INVALID": HarnessError(422, "INVALID_REQUEST"),
    "REGION_NOT_ENABLED": HarnessError(422, "INVALID_REQUEST"),
    # ... or AWS, the network or this machine did not cooperate (5xx)
    "ENDPOINT_UNREACHABLE": HarnessError(502, "CONNECTION_ERROR"),
    "AWS_ERROR": HarnessError(502, "HTTP_BAD_GATEWAY"),
    "TIMEOUT": HarnessError(504, "CONNECTION_TIMEOUT"),
    "THROTTLED": HarnessError(503, "TOO_MANY_REQUESTS"),
    "CLOCK_SKEW": HarnessError(500, "GENERAL_ERROR"),
    # ... or no delegate ended the task in time
    "TASK_EXPIRED": HarnessError(504, "DELEGATE_TASK_EXPIRED"),
}
"""Every awsconn code to its HTTP status and Harness ErrorCode."""

_UNMAPPED_CODE = "UNKNOWN_ERROR"


def harness_error(err: AwsconnError) -> HarnessError:
    """The row of ``err``'s code; a code without one keeps its class's status."""
    return ERROR_MAP.get(err.code) or HarnessError(err.http_status, _UNMAPPED_CODE)


def _text(value: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """At most ``limit`` characters, control characters escaped (line breaks kept)."""
    cut = value[:limit]
    out = UNPRINTABLE.sub(
        lambda m: m.group() if m.group() == "\n" else m.group().encode("unicode_escape").decode(),
        cut,
    )
    return out if len(value) <= limit else f"{out}… ({len(value)} characters)"


def _id(value: str | None) -> str | None:
    """An identifier AWS sent (error code, request id), bounded."""
    return _text(value, 200) if value else None


def _message(err: AwsconnError) -> str:
    """One line for scripts: a validation failure says its first problem and the count."""
    if isinstance(err, ValidationFailed) and err.problems:
        summary = err.message.split("\n", 1)[0].rstrip(":")
        text = f"{summary}: {err.problems[0]}"
        if len(err.problems) > 1:
            text += f" (and {len(err.problems) - 1} more, listed in problems)"
        return _text(text)
    return _text(err.message)


def _problem_message(code: str, problem: Problem) -> ResponseMessage:
    info = {"path": problem.path}
    if problem.allowed:
        info["allowed"] = problem.allowed
    return ResponseMessage(code=code, level="ERROR", message=str(problem), additional_info=info)


def error_body(err: AwsconnError, *, correlation_id: str) -> tuple[int, ErrorDTO]:
    """The HTTP status and Harness error body of ``err``.

    ``responseMessages`` holds the error and then each field problem (its path in
    ``additionalInfo.path``); awsconn's code, hint, problems and AWS's ids ride along in
    extra fields. Everything is bounded: messages and hints are cut at
    :data:`MAX_MESSAGE_CHARS`, problems are ValidationFailed's (at most 100, each bounded).
    """
    row = harness_error(err)
    message = _message(err)
    problems = list(err.problems) if isinstance(err, ValidationFailed) else []
    problems = problems[:MAX_REPORTED_PROBLEMS]
    failure = err.failure if isinstance(err, AwsCallFailed) else None
    body = ErrorDTO(
        status="ERROR",
        code=row.code,
        message=message,
        correlation_id=correlation_id,
        response_messages=[
            ResponseMessage(code=row.code, level="ERROR", message=message),
            *(_problem_message(row.code, p) for p in problems),
        ],
        awsconn_code=err.code,
        hint=_text(err.hint) if err.hint else None,
        problems=[ProblemDTO(**p.to_dict()) for p in problems] or None,
        aws_error_code=_id(failure.aws_error_code) if failure else None,
        request_id=_id(failure.request_id) if failure else None,
    )
    return row.http_status, body


def unexpected_error_body(*, correlation_id: str) -> tuple[int, ErrorDTO]:
    """The body for an exception awsconn did not raise on purpose (a bug): 500, the
    correlation id to report, and nothing of the exception itself."""
    message = (
        f"internal error: the server failed unexpectedly; report correlation id {correlation_id}"
    )
    body = ErrorDTO(
        status="ERROR",
        code="INTERNAL_SERVER_ERROR",
        message=message,
        correlation_id=correlation_id,
        response_messages=[
            ResponseMessage(code="INTERNAL_SERVER_ERROR", level="ERROR", message=message)
        ],
        awsconn_code="INTERNAL",
    )
    return 500, body


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
_SECRET_FIELDS = frozenset({"value", "secretKey", "sessionToken", "token", "password"})


def _dotted(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS and len(parts) > 1:
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems_of_validation_errors(
    errors: Iterable[Mapping[str, Any]], *, echo: bool = True
) -> list[Problem]:
    """pydantic's (and FastAPI's) error list as awsconn Problems with dotted paths.

    ``("body", "connector", "spec", "delegateSelectors", 0)`` becomes
    ``connector.spec.delegateSelectors[0]``. The value given is echoed only when it is a
    scalar at a path that cannot hold a secret: a secret's ``value`` (or a whole
    document holding one), the value of a key that should not be there (it could be
    anything) and, with ``echo`` False (a body that carries a secret), no value ever
    comes back in an error.
    """
    out: list[Problem] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        given = err.get("input")
        secret = any(str(part) in _SECRET_FIELDS for part in loc)
        unexpected = err.get("type") == "extra_forbidden"
        scalar = given is None or isinstance(given, str | int | float | bool)
        shown = echo and not secret and not unexpected and scalar
        ctx = err.get("ctx") or {}
        allowed = ctx.get("expected") if isinstance(ctx, Mapping) else None
        out.append(
            Problem(
                _dotted(loc),
                str(err.get("msg", "is not valid")),
                given=given if shown and err.get("type") != "missing" else None,
                allowed=str(allowed) if allowed is not None else None,
            )
        )
    return out


# --- the connection test in Harness's shapes ------------------------------------------------

_CONNECTIVITY: Mapping[str | None, ConnectivityStatus] = {
    "SUCCESS": "SUCCESS",
    "FAILURE": "FAILURE",
    "SKIPPED": "FAILURE",  # no delegate could run it: Harness reports that as a failure
    "NOT_TESTED": "UNKNOWN",  # ignoreTestConnection
    "PENDING": "PENDING",  # queued for a delegate, no result yet
    None: "UNKNOWN",  # never tested
}


def connectivity_status(status: str | None) -> ConnectivityStatus:
    """Harness's ConnectivityStatus of an awsconn test status (None: never tested)."""
    return _CONNECTIVITY.get(status.upper() if status else None, "UNKNOWN")


def error_detail(failure: FailureLike) -> ErrorDetail:
    """One failure as Harness's ErrorDetail: ``reason`` = awsconn's code, ``message`` = the
    hint (the failure's own message when there is no hint), ``code`` = 450; what failed
    goes in ``detailedMessage``, AWS's ids beside it."""
    return ErrorDetail(
        code=ERROR_DETAIL_CODE,
        reason=failure.code,
        message=_text(failure.hint or failure.message),
        detailed_message=_text(failure.message),
        aws_error_code=_id(failure.aws_error_code),
        request_id=_id(failure.request_id),
    )


def _summary(failures: Sequence[FailureLike]) -> str | None:
    """Harness's ``errorSummary`` form, ``CATEGORY (message)``, of the first failure."""
    if not failures:
        return None
    first = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return _text(f"{first.code} ({first.message}){more}")


def connectivity_details(
    status: str | None,
    *,
    tested_at: datetime | None,
    succeeded_at: datetime | None,
    failures: Sequence[FailureLike] = (),
) -> ConnectorConnectivityDetails:
    """``ConnectorResponse.status`` from a stored connector's last test."""
    return ConnectorConnectivityDetails(
        status=connectivity_status(status),
        tested_at=to_epoch_ms(tested_at) if tested_at else None,
        last_tested_at=to_epoch_ms(tested_at) if tested_at else None,
        last_connected_at=to_epoch_ms(succeeded_at) if succeeded_at else None,
        error_summary=_summary(failures),
        errors=[error_detail(f) for f in failures] or None,
    )


def validation_result(outcome: ConnectionTestOutcome) -> ConnectorValidationResult:
    """testConnection's answer: Harness's fields, then the richer outcome as extra fields
    (identity, region, durationMs, notRecorded, ranHereDespiteSelectors, permissions)."""
    if outcome.status == "NOT_TESTED":
        return ConnectorValidationResult(
            status="UNKNOWN",
            connector=outcome.connector,
            error_summary=_text(outcome.reason or outcome.message or "not tested"),
        )
    failures = list(outcome.errors or ())
    who = outcome.identity
    return ConnectorValidationResult(
        status=connectivity_status(outcome.status),
        tested_at=to_epoch_ms(outcome.tested_at) if outcome.tested_at else None,
        error_summary=_summary(failures),
        errors=[error_detail(f) for f in failures] or None,
        connector=outcome.connector,
        identity=ConnectionIdentity(
            account=who.account,
            arn=who.arn,
            partition=who.partition,
            credential_method=who.credential_method,
            role_chain=list(who.role_chain) or None,
        )
        if who is not None
        else None,
        region=outcome.region,
        duration_ms=outcome.duration_ms,
        not_recorded=outcome.not_recorded,
        ran_here_despite_selectors=list(outcome.ran_here_despite_selectors) or None,
        permissions=outcome.permissions.wire() if outcome.permissions is not None else None,
        delegate_id=outcome.delegate_id,
        task_id=outcome.task_id,
        delegate_name=outcome.delegate_name,
    )
