"""What a server sends, as the result models every door speaks: the one conversion.

Harness's shapes (``ConnectorResponse``, ``SecretResponse``, ``ConnectorValidationResult``)
carry timestamps as epoch milliseconds and some facts in Harness's words (a connectivity
status of ``UNKNOWN``, an error's hint in ``message``); awsconn's own routes answer the
service's result models as they are. Each function here turns one answer into the model
the service returns locally, so the CLI renders both alike. Answers are read leniently
(a field a newer server adds is ignored); a field the model needs and the answer lacks is
an error naming it, never a made-up value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from awsconn.errors import InvalidInput
from awsconn.model import parse_connector_document
from awsconn.model.results import (
    ConnectionTestOutcome,
    ConnectorDetail,
    ConnectorSummary,
    Failure,
    Identity,
    PermissionCheckFailed,
    PermissionReport,
    SecretMetadata,
    WireModel,
)

__all__ = [
    "canonical_document",
    "connector_detail",
    "connector_summary",
    "from_epoch_ms",
    "mapping",
    "model_of",
    "models_of",
    "outcome_of_test",
    "page_content",
    "secret_metadata",
]

M = TypeVar("M", bound=WireModel)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UnexpectedAnswer(InvalidInput):
    """The server's answer does not have the shape this client reads."""


def _unexpected(what: str, why: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(
        f"the server's answer ({what}) {why}",
        hint="the server runs another awsconn version than this client; use matching versions",
    )


def from_epoch_ms(value: Any, what: str) -> datetime | None:
    """Harness's epoch milliseconds as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _unexpected(what, f"holds {type(value).__name__}, not epoch milliseconds")
    return _EPOCH + timedelta(milliseconds=value)


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else the error naming ``what``."""
    if not isinstance(value, Mapping):
        raise _unexpected(what, "is not a JSON object")
    return value


def model_of(model: type[M], value: Any, what: str) -> M:
    """One of awsconn's own answers (the service's result model as JSON)."""
    try:
        return model.model_validate(value)
    except ValueError as exc:
        raise _unexpected(what, f"is not a {model.__name__}: {_first_error(exc)}") from None


def models_of(model: type[M], value: Any, what: str) -> list[M]:
    if not isinstance(value, list):
        raise _unexpected(what, "is not a JSON list")
    return [model_of(model, item, what) for item in value]


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            loc = ".".join(str(p) for p in found[0].get("loc", ()))
            return f"{loc}: {found[0].get('msg')}"
    return type(exc).__name__


def page_content(page: Any, what: str) -> tuple[list[Any], int | None]:
    """The items of a Harness ``PageResponse`` and its ``totalPages``."""
    body = mapping(page, what)
    content = body.get("content") or []
    if not isinstance(content, list):
        raise _unexpected(what, "has a page whose content is not a list")
    pages = body.get("totalPages")
    return content, pages if isinstance(pages, int) else None


# -- connectors ---------------------------------------------------------------------

_LAST_STATUS = {"SUCCESS": "SUCCESS", "FAILURE": "FAILURE"}
"""Harness's connectivity status -> the stored last status (UNKNOWN: never tested)."""


def canonical_document(response: Any) -> dict[str, Any]:
    """The connector document of a ``ConnectorResponse`` as awsconn stores and exports it:
    without ``accountIdentifier`` (the server's account, which export does not write)."""
    body = mapping(response, "connector")
    document = dict(mapping(body.get("connector"), "connector.connector"))
    document.pop("accountIdentifier", None)
    return document


def _version(body: Mapping[str, Any]) -> int:
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _unexpected("connector", "has no version (awsconn's field beside Harness's)")
    return version


def connector_summary(response: Any) -> ConnectorSummary:
    """A ``ConnectorResponse`` as the listing's model (as ``service.connectors.summary_of``
    builds it from the stored connector)."""
    body = mapping(response, "connector")
    connector = parse_connector_document({"connector": canonical_document(body)})
    status = mapping(body.get("status") or {}, "connector.status")
    cross = connector.credential.cross_account
    return ConnectorSummary(
        ref=str(connector.ref),
        identifier=connector.identifier,
        name=connector.name,
        scope=connector.scope.level,  # type: ignore[arg-type]
        org=connector.scope.org,
        project=connector.scope.project,
        type=connector.credential_type.value,
        region=connector.region,
        cross_account_role_arn=cross.role_arn if cross else None,
        tags=dict(connector.tags),
        delegate_selectors=list(connector.delegate_selectors),
        proxy=connector.proxy,
        ignore_test_connection=connector.ignore_test_connection,
        version=_version(body),
        last_status=_LAST_STATUS.get(str(status.get("status"))),
        last_tested_at=from_epoch_ms(status.get("testedAt"), "status.testedAt"),
        last_success_at=from_epoch_ms(status.get("lastConnectedAt"), "status.lastConnectedAt"),
        created_at=from_epoch_ms(body.get("createdAt"), "connector.createdAt"),
        updated_at=from_epoch_ms(body.get("lastModifiedAt"), "connector.lastModifiedAt"),
    )


def connector_detail(response: Any) -> ConnectorDetail:
    """A ``ConnectorResponse`` as ``connector get`` shows it: the document and status."""
    return ConnectorDetail(
        connector=canonical_document(response), status=connector_summary(response)
    )


# -- secrets ------------------------------------------------------------------------


def secret_metadata(response: Any) -> SecretMetadata:
    """A ``SecretResponse`` (never holding a value) as the secret's metadata; ``version``
    and ``keyId`` when the server adds them beside Harness's fields (else None)."""
    body = mapping(response, "secret")
    secret = mapping(body.get("secret"), "secret.secret")
    version, key_id = body.get("version"), body.get("keyId")
    org, project = secret.get("orgIdentifier"), secret.get("projectIdentifier")
    identifier = str(secret.get("identifier"))
    created = from_epoch_ms(body.get("createdAt"), "secret.createdAt")
    updated = from_epoch_ms(body.get("updatedAt"), "secret.updatedAt")
    if created is None or updated is None:
        raise _unexpected("secret", "has no createdAt and updatedAt")
    return SecretMetadata(
        ref="/".join(p for p in (org, project, identifier) if p),
        identifier=identifier,
        org=org,
        project=project,
        description=secret.get("description") or "",
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        key_id=key_id if isinstance(key_id, str) else None,
        created_at=created,
        updated_at=updated,
    )


# -- connection tests ---------------------------------------------------------------


def _failure(detail: Mapping[str, Any]) -> Failure:
    """An ``ErrorDetail`` back as the failure: ``reason`` is the code, ``message`` the
    hint, ``detailedMessage`` what failed (``harness_errors.error_detail``)."""
    what = str(detail.get("detailedMessage") or detail.get("message") or "")
    hint = str(detail.get("message") or "")
    return Failure(
        code=str(detail.get("reason") or "AWS_ERROR"),
        message=what,
        hint="" if hint == what else hint,
        aws_error_code=detail.get("awsErrorCode"),
        request_id=detail.get("requestId"),
    )


def outcome_of_test(result: Any) -> ConnectionTestOutcome:
    """A ``ConnectorValidationResult`` as the connection test's outcome."""
    body = mapping(result, "connection test")
    status = body.get("status")
    if status not in ("SUCCESS", "FAILURE"):
        raise _unexpected("connection test", f"has status {status!r}, not SUCCESS or FAILURE")
    who = body.get("identity")
    permissions = body.get("permissions")
    checked: PermissionReport | PermissionCheckFailed | None = None
    if isinstance(permissions, Mapping) and "error" in permissions:
        checked = model_of(PermissionCheckFailed, permissions, "connection test permissions")
    elif isinstance(permissions, Mapping):
        checked = model_of(PermissionReport, permissions, "connection test permissions")
    errors = [_failure(mapping(e, "connection test error")) for e in body.get("errors") or ()]
    return ConnectionTestOutcome(
        connector=str(body.get("connector")),
        status=status,
        identity=Identity.model_validate(who) if isinstance(who, Mapping) else Identity(),
        region=body.get("region"),
        tested_at=from_epoch_ms(body.get("testedAt"), "connection test testedAt"),
        duration_ms=body.get("durationMs"),
        errors=errors,
        ran_here_despite_selectors=list(body.get("ranHereDespiteSelectors") or ()),
        permissions=checked,
        not_recorded=body.get("notRecorded"),
        delegate_id=body.get("delegateId"),
        delegate_name=body.get("delegateName"),
        task_id=body.get("taskId"),
    )
