"""A delegate runs a task it took: the connector's work with the session the server sent.

The delegate agent holds no store: the claimed task carries the connector document and
the session (``task_payloads.spec_of_payload`` rebuilds the spec; a ManualConfig's keys
for this task only, an InheritFromDelegate or Irsa connector's identity is the
delegate's own ambient one). :func:`execute` runs the same steps the use cases run where
awsconn runs (the connection test and the permission check after it, DescribeRegions,
the credentials, the live permission check) in a runtime of its own (``runs_as ==
"delegate"``), bounded by the task's timeout, and returns the result model of the
task's kind or the failure, never an exception. Nothing it returns holds a secret of
the session in any spelling, except a credentials task's result, which is the
credentials themselves (the server seals it before it is stored).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsCallFailed, AwsconnError
from awsconn.model.results import (
    AwsCredentials,
    ClaimedTask,
    ConnectionTestOutcome,
    Failure,
    RegionList,
    WireModel,
)
from awsconn.service.task_payloads import (
    RESULT_MODELS,
    failure_of_error,
    redacted,
    spec_of_payload,
)

if TYPE_CHECKING:
    from awsconn.aws.redaction import Redactor
    from awsconn.aws.session_spec import SessionSpec
    from awsconn.model import Connector
    from awsconn.service.context import AppContext

__all__ = ["Outcome", "execute"]

Outcome = tuple[WireModel | None, Failure | None]
"""Exactly one of: the result of the task's kind, or why it failed."""

_DEFAULT_TIMEOUT_S = 30.0


def _connector(claimed: ClaimedTask) -> Connector:
    from awsconn.model import parse_connector_document
    from awsconn.model.identifiers import DEFAULT_ACCOUNT

    body = claimed.connector.get("connector")
    account = body.get("accountIdentifier") if isinstance(body, dict) else None
    return parse_connector_document(
        claimed.connector, account=account if isinstance(account, str) else DEFAULT_ACCOUNT
    )


def execute(ctx: AppContext, claimed: ClaimedTask, *, time_left_s: float | None = None) -> Outcome:
    """Run ``claimed`` (within its timeout and ``time_left_s``, what is left before its
    deadline); the outcome to post for its attempt."""
    from awsconn.service.connection import secrets_kept_out

    kind = claimed.task.kind
    params = claimed.params
    timeout = params.get("timeoutSeconds", _DEFAULT_TIMEOUT_S)
    seconds = float(timeout) if isinstance(timeout, int | float) else _DEFAULT_TIMEOUT_S
    if time_left_s is not None:
        seconds = max(0.001, min(seconds, time_left_s))
    try:
        spec = spec_of_payload(claimed.session)
        connector = _connector(claimed)
        with secrets_kept_out([spec]) as redactor:
            result = _run(ctx, kind, connector, spec, params, seconds, redactor)
            if kind != "credentials":  # the credentials are the result itself
                result = RESULT_MODELS[kind].model_validate(redacted(result.wire(), redactor))
            return result, None
    except AwsconnError as exc:  # cleaned of the session's secrets by secrets_kept_out
        return None, failure_of_error(exc)


def _checked(spec: SessionSpec) -> SessionSpec:
    """The spec, or the offline checks' failure (as where awsconn runs, before keys go out)."""
    from awsconn.aws.preflight import preflight
    from awsconn.aws.redaction import Redactor

    problem = preflight(spec)
    if problem is not None:
        raise AwsCallFailed(Redactor(spec.secrets()).failure(problem))
    return spec


def _names(params: dict[str, Any], key: str) -> list[str] | None:
    value = params.get(key)
    return [str(v) for v in value] if isinstance(value, list) else None


def _policies(value: Any) -> list[tuple[str, Any]]:
    if not isinstance(value, list):
        return []
    return [(str(p["name"]), p["document"]) for p in value if isinstance(p, dict)]


def _run(
    ctx: AppContext,
    kind: str,
    connector: Connector,
    spec: SessionSpec,
    params: dict[str, Any],
    seconds: float,
    redactor: Redactor,
) -> WireModel:
    if kind == "connection-test":
        return _test(ctx, connector, spec, _names(params, "capabilities"), seconds, redactor)
    if kind == "regions":
        regions = ctx.sessions.list_regions(_checked(spec), timeout_s=seconds)
        return RegionList(connector=str(connector.ref), region=connector.region, regions=regions)
    if kind == "credentials":
        from awsconn.service.connection import credentials_of_spec

        return AwsCredentials.model_validate(credentials_of_spec(ctx, _checked(spec), seconds))
    from awsconn.service.connector_permissions import check_with_spec

    resource = _policies([params.get("resourcePolicy")])
    parameters = params.get("parameters")
    return check_with_spec(
        ctx,
        connector,
        _checked(spec),
        _names(params, "capabilities"),
        parameters=parameters if isinstance(parameters, dict) else None,
        scps=_policies(params.get("scps")),
        resource_policy=resource[0] if resource else None,
        use_simulator=params.get("useSimulator") is not False,
        timeout_s=seconds,
    )


def _test(
    ctx: AppContext,
    connector: Connector,
    spec: SessionSpec,
    capabilities: list[str] | None,
    seconds: float,
    redactor: Redactor,
) -> ConnectionTestOutcome:
    """The connection test, then (when it passed) the permission check of ``capabilities``
    or of those the connector records, within the same timeout."""
    from awsconn.aws.connectivity import run_connection_test
    from awsconn.service.connectivity import history_entry
    from awsconn.service.connector_permissions import check_for_test

    tested = run_connection_test(spec, ctx.sessions, timeout_s=seconds, clock=ctx.clock)
    tested = replace(
        tested,
        connector=str(connector.ref),
        errors=tuple(redactor.failure(e) for e in tested.errors),
    )
    entry = history_entry(tested)
    permissions = None
    if tested.status == "SUCCESS":
        permissions = check_for_test(ctx, connector, spec, capabilities, timeout_s=seconds)
    return ConnectionTestOutcome(**entry.model_dump(), permissions=permissions)
