"""What a task carries and returns: its parameters, the session a delegate runs it with,
the results it posts, and the task row as the :class:`~awsconn.model.results.Task` model.

Secrets: a task row holds none. The session a delegate receives (:func:`session_payload`)
is built from :func:`~awsconn.service.session_specs.session_spec` at claim time, in
memory, for that delegate; the delegate rebuilds the spec with :func:`spec_of_payload`.
A credentials task's result is the credentials: it is sealed with the master key
(AES-GCM, bound to the task id and attempt) before it is stored, and opened only for a
caller holding ``connector:access``. Every other result is stored after the connector's
secret values are masked in all its text (:func:`redacted`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from awsconn.errors import InternalError, InvalidInput, Problem, ValidationFailed
from awsconn.model import Connector
from awsconn.model.results import (
    AwsCredentials,
    BackoffPayload,
    ConnectionTestOutcome,
    Failure,
    PermissionReport,
    RegionList,
    SessionPayload,
    StaticKeysPayload,
    Task,
    WebIdentityPayload,
    WireModel,
)
from awsconn.timeouts import CREDENTIALS_TIMEOUT, REGIONS_TIMEOUT, TEST_TIMEOUT, TimeoutRange

if TYPE_CHECKING:
    from awsconn.aws.redaction import Redactor
    from awsconn.aws.session_spec import SessionSpec
    from awsconn.model.validation import Collector
    from awsconn.service.context import AppContext
    from awsconn.store.task_rows import SealedResult, TaskRow

__all__ = [
    "RESULT_MODELS",
    "check_params",
    "digest_of",
    "failure_of_error",
    "open_result",
    "redacted",
    "result_of",
    "seal_result",
    "session_payload",
    "spec_of_payload",
    "task_of",
]

RESULT_MODELS: dict[str, type[WireModel]] = {
    "connection-test": ConnectionTestOutcome,
    "regions": RegionList,
    "permission-check": PermissionReport,
    "credentials": AwsCredentials,
}
_TIMEOUTS: dict[str, TimeoutRange] = {
    "connection-test": TEST_TIMEOUT,
    "regions": REGIONS_TIMEOUT,
    "permission-check": TEST_TIMEOUT,
    "credentials": CREDENTIALS_TIMEOUT,
}
_PARAMS: dict[str, tuple[str, ...]] = {
    "connection-test": ("capabilities", "timeoutSeconds"),
    "regions": ("timeoutSeconds",),
    "permission-check": (
        "capabilities",
        "parameters",
        "timeoutSeconds",
        "scps",
        "resourcePolicy",
        "useSimulator",
    ),
    "credentials": ("timeoutSeconds",),
}


# -- parameters ----------------------------------------------------------------------------


def check_params(
    kind: str, params: Mapping[str, Any] | None, connector: Connector
) -> dict[str, Any]:
    """A task's parameters, checked (every problem at ``params.NAME``) and completed with
    their defaults: ``timeoutSeconds`` (the operation's range and default),
    ``capabilities`` (known names; a permission check needs some, given or recorded),
    ``parameters`` (the capabilities' parameters, as ``permissions check`` takes them)."""
    from awsconn.model.validation import Collector

    c = Collector("task")
    given = c.mapping(params or {}, "params", allowed_keys=_PARAMS[kind]) or {}
    out: dict[str, Any] = {}
    timeouts = _TIMEOUTS[kind]
    timeout = given.get("timeoutSeconds", timeouts.default)
    try:
        out["timeoutSeconds"] = timeouts.check(timeout, setting="params.timeoutSeconds")
    except InvalidInput:
        c.add(
            "params.timeoutSeconds",
            "is not a time in range",
            given=timeout,
            allowed=timeouts.allowed,
        )
    if "capabilities" in _PARAMS[kind]:
        path = "params.capabilities"
        names = c.sequence(given.get("capabilities"), path, what="capability names", max_items=64)
        if names is not None:
            texts = [c.string(n, f"{path}[{i}]", allow_empty=False) for i, n in enumerate(names)]
            out["capabilities"] = [t for t in texts if t is not None]
    if "parameters" in _PARAMS[kind] and given.get("parameters") is not None:
        values = c.mapping(given.get("parameters"), "params.parameters")
        if values is not None:
            out["parameters"] = {
                str(k): c.string(v, f"params.parameters.{k}") for k, v in values.items()
            }
    if kind == "permission-check":
        _check_policies(c, given, out)
    c.raise_if_any()
    from awsconn.iam.capabilities import load_catalog

    if "capabilities" in out:
        load_catalog().resolve(out["capabilities"])  # ValidationFailed at capabilities
    if kind == "permission-check":
        if not out.get("capabilities") and not connector.capabilities:
            from awsconn.service.refusals import NoCapabilities

            raise NoCapabilities(", ".join(load_catalog().names()))
        if "parameters" in out:
            from awsconn.service.policy_generation import parameters_of

            parameters_of(out["parameters"])
    return out


_MAX_POLICIES = 20


def _named_policy(c: Collector, value: Any, path: str) -> dict[str, Any] | None:
    """``{name, document}``: a label and a policy document (a JSON object)."""
    given = c.mapping(value, path, allowed_keys=("name", "document"))
    if given is None:
        return None
    name = c.string(given.get("name"), f"{path}.name", required=True, allow_empty=False)
    document = c.mapping(given.get("document"), f"{path}.document")
    if "document" not in given:
        c.add(f"{path}.document", "is required (a policy document)")
    if name is None or document is None:
        return None
    return {"name": name, "document": dict(document)}


def _check_policies(c: Collector, given: Mapping[str, Any], out: dict[str, Any]) -> None:
    """A permission check's extra policies (``scps``, ``resourcePolicy``) and whether it
    asks AWS's simulator (``useSimulator``, default true)."""
    out["useSimulator"] = c.boolean(given.get("useSimulator"), "params.useSimulator", default=True)
    scps = c.sequence(
        given.get("scps"), "params.scps", what="named policies", max_items=_MAX_POLICIES
    )
    if scps:
        named = [_named_policy(c, p, f"params.scps[{i}]") for i, p in enumerate(scps)]
        out["scps"] = [p for p in named if p is not None]
    if given.get("resourcePolicy") is not None:
        found = _named_policy(c, given["resourcePolicy"], "params.resourcePolicy")
        if found is not None:
            out["resourcePolicy"] = found


# -- the session a delegate runs with ------------------------------------------------------


def session_payload(spec: SessionSpec) -> SessionPayload:
    """The spec as it travels to the delegate (its secrets included, out of ``repr``)."""
    keys = spec.static_keys
    backoff = spec.backoff
    web = spec.web_identity
    return SessionPayload(
        connector=spec.connector,
        credential_type=spec.credential_type,
        region=spec.region,
        static_keys=StaticKeysPayload(
            access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key,
            session_token=keys.session_token,
        )
        if keys is not None
        else None,
        role_arn=spec.role_arn,
        external_id=spec.external_id,
        backoff=BackoffPayload(
            kind=backoff.kind,
            retry_count=backoff.retry_count,
            fixed_backoff_ms=backoff.fixed_backoff_ms,
            base_delay_ms=backoff.base_delay_ms,
            max_backoff_ms=backoff.max_backoff_ms,
        )
        if backoff is not None
        else None,
        web_identity=WebIdentityPayload(
            role_arn=web.role_arn,
            token=web.token,
            issuer=web.issuer,
            audience=web.audience,
            subject=web.subject,
        )
        if web is not None
        else None,
    )


def spec_of_payload(payload: SessionPayload) -> SessionSpec:
    """What the delegate runs the task with: the session spec the server built."""
    from awsconn.aws.session_spec import Backoff, SessionSpec, StaticKeys, WebIdentity

    keys = payload.static_keys
    b = payload.backoff
    w = payload.web_identity
    return SessionSpec(
        connector=payload.connector,
        credential_type=payload.credential_type,
        region=payload.region,
        static_keys=StaticKeys(keys.access_key_id, keys.secret_access_key, keys.session_token)
        if keys is not None
        else None,
        role_arn=payload.role_arn,
        external_id=payload.external_id,
        backoff=Backoff(
            b.kind, b.retry_count, b.fixed_backoff_ms, b.base_delay_ms, b.max_backoff_ms
        )
        if b is not None
        else None,
        web_identity=WebIdentity(w.role_arn, w.token, w.issuer, w.audience, w.subject)
        if w is not None
        else None,
    )


# -- results -------------------------------------------------------------------------------


def _problems(exc: ValidationError, base: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False)[:50]:
        path = ".".join([base, *(str(p) for p in err["loc"])])
        out.append(Problem(path, err["msg"]))
    return out


def result_of(kind: str, result: Any, error: Any) -> tuple[WireModel | None, Failure | None]:
    """A posted outcome, read as the model of the task's kind (or a Failure); exactly one
    of them. A connection test's result is its SUCCESS or FAILURE."""
    if (result is None) == (error is None):
        raise ValidationFailed(
            [Problem("result", "give the task's result or its error (exactly one)")],
            what="task outcome",
        )
    try:
        if error is not None:
            return None, error if isinstance(error, Failure) else Failure.model_validate(error)
        model = RESULT_MODELS[kind]
        read = (
            result
            if isinstance(result, model)
            else model.model_validate(result.wire() if isinstance(result, WireModel) else result)
        )
    except ValidationError as exc:
        raise ValidationFailed(
            _problems(exc, "error" if error is not None else "result"), what="task outcome"
        ) from None
    if isinstance(read, ConnectionTestOutcome) and read.status not in ("SUCCESS", "FAILURE"):
        problem = Problem(
            "result.status",
            "is not a result of a test that ran",
            given=read.status,
            allowed="SUCCESS, FAILURE",
        )
        raise ValidationFailed([problem], what="task outcome")
    return read, None


def digest_of(result: WireModel | None, error: Failure | None) -> str:
    """Identifies an outcome: the same result posted twice has the same digest."""
    body = {"result": result.wire() if result else None, "error": error.wire() if error else None}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _masked(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, list):
        return [_masked(v, redactor) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v, redactor) for k, v in value.items()}
    return value


def redacted(wire: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """``wire`` with every text value cleaned of the secrets ``redactor`` knows."""
    return cast(dict[str, Any], _masked(wire, redactor)) if redactor else wire


def failure_of_error(exc: Exception) -> Failure:
    """An awsconn error (an AWS failure with its code and hint) as a task's error."""
    from awsconn.errors import AwsCallFailed, AwsconnError

    if isinstance(exc, AwsCallFailed):
        return Failure.of(exc.failure)
    if isinstance(exc, AwsconnError):
        return Failure(code=exc.code, message=exc.message, hint=exc.hint or "")
    return Failure(code="INTERNAL", message=f"unexpected {type(exc).__name__}")


# -- sealing the credentials ---------------------------------------------------------------


def _aad(task_id: str, attempt: int, key_id: str) -> bytes:
    return json.dumps(["awsconn.task-result.v1", task_id, attempt, key_id]).encode()


def seal_result(ctx: AppContext, task_id: str, attempt: int, wire: dict[str, Any]) -> SealedResult:
    """A credentials result sealed under the newest master key, bound to task and attempt."""
    from awsconn.store.task_rows import SealedResult

    ring = ctx.keyring
    plain = json.dumps(wire, separators=(",", ":")).encode()
    sealed = ring.encrypt(plain, aad=_aad(task_id, attempt, ring.current_key_id))
    return SealedResult(sealed.key_id, sealed.nonce, sealed.ciphertext)


def open_result(ctx: AppContext, row: TaskRow) -> dict[str, Any]:
    """The sealed result of ``row``, opened (MasterKeyMismatch when the key is gone)."""
    from awsconn.secrets.crypto import Sealed

    sealed = row.sealed_result
    if sealed is None:  # pragma: no cover - rows are written with one or the other
        raise InternalError(f"task {row.id} succeeded without a stored result")
    plain = ctx.keyring.decrypt(
        Sealed(sealed.key_id, sealed.nonce, sealed.ciphertext),
        aad=_aad(row.id, row.attempt, sealed.key_id),
        what=f"the result of task {row.id}",
    )
    return cast(dict[str, Any], json.loads(plain))


# -- the row as the model ------------------------------------------------------------------


def task_of(ctx: AppContext, row: TaskRow) -> Task:
    """A stored task as the Task model (a credentials result opened)."""
    from awsconn.model import EntityRef, Scope

    result = row.result
    if row.state == "succeeded" and row.sealed_result is not None:
        result = open_result(ctx, row)
    return Task(
        id=row.id,
        kind=row.kind,  # type: ignore[arg-type]
        connector=str(EntityRef(Scope(row.org, row.project), row.connector)),
        state=row.state,  # type: ignore[arg-type]
        created_at=row.created_at,
        deadline=row.deadline,
        started_at=row.started_at,
        finished_at=row.finished_at,
        owner=row.owner,
        attempt=row.attempt,
        result=RESULT_MODELS[row.kind].model_validate(result) if result is not None else None,  # type: ignore[arg-type]
        error=Failure.model_validate(row.error) if row.error is not None else None,
    )
