"""Result models in the API's words: Harness's shapes for connectors and secrets, and
awsconn's own documents with epoch-millisecond timestamps.

The service returns result models (``awsconn.model.results``) whose wire form is the
CLI's ``-o json`` with ISO timestamps; the API renders each timestamp as Harness does,
milliseconds since the epoch (:func:`with_epoch_ms`). Connectors and secrets take
Harness's shapes (:func:`connector_response`, :func:`secret_response`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from awsconn.api.harness_base import to_epoch_ms
from awsconn.api.harness_errors import connectivity_details
from awsconn.api.harness_secrets import HARNESS_SECRET_MANAGER
from awsconn.model.results import ConnectorDetail, Failure, SecretMetadata

if TYPE_CHECKING:
    from awsconn.service.context import AppContext

__all__ = [
    "connector_response",
    "connector_responses",
    "page",
    "secret_response",
    "with_epoch_ms",
]


def _ms(moment: datetime | None) -> int | None:
    return to_epoch_ms(moment) if moment is not None else None


def _jsonable(value: Any) -> Any:
    """A python-mode dump made JSON: datetimes as epoch ms, anything else pydantic keeps
    as an object (an enum) as its JSON value."""
    if isinstance(value, datetime):
        return to_epoch_ms(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return to_jsonable_python(value)


def with_epoch_ms(model: BaseModel | dict[str, Any] | list[Any]) -> Any:
    """A result model's wire form (camelCase, fields left out as the model says) with its
    timestamps as epoch milliseconds; dicts and lists of models likewise."""
    if isinstance(model, BaseModel):
        return _jsonable(model.model_dump(mode="python", by_alias=True))
    if isinstance(model, list):
        return [with_epoch_ms(m) for m in model]
    return _jsonable(model)


def connector_response(
    detail: ConnectorDetail,
    *,
    account: str,
    version: int | None = None,
    failures: Sequence[Failure] = (),
) -> dict[str, Any]:
    """Harness's ConnectorResponse: the canonical document (with the server's account),
    created and modified times, the last test as ConnectorConnectivityDetails (with
    ``failures``, its errors), and awsconn's ``version``."""
    status = detail.status
    info = dict(detail.connector)
    info["accountIdentifier"] = account
    out: dict[str, Any] = {
        "connector": info,
        "createdAt": _ms(status.created_at),
        "lastModifiedAt": _ms(status.updated_at),
        "status": connectivity_details(
            status.last_status,
            tested_at=status.last_tested_at,
            succeeded_at=status.last_success_at,
            failures=failures,
        ).to_wire(),
        "harnessManaged": False,
        "version": status.version if version is None else version,
    }
    return {k: v for k, v in out.items() if v is not None}


def connector_responses(
    ctx: AppContext,
    details: Sequence[ConnectorDetail],
    *,
    account: str,
    version: int | None = None,
) -> list[dict[str, Any]]:
    """:func:`connector_response` of each, its ``status`` carrying the last test's
    ``errors`` and ``errorSummary`` (Harness's ConnectorConnectivityDetails) from the
    stored result of each connector whose last test failed."""
    from awsconn.service.connector_pages import last_failures

    failed = last_failures(ctx, [d.status for d in details])
    return [
        connector_response(
            d, account=account, version=version, failures=failed.get(d.status.ref, ())
        )
        for d in details
    ]


def secret_response(meta: SecretMetadata) -> dict[str, Any]:
    """Harness's SecretResponse of a stored text secret: metadata only (awsconn keeps no
    secret name: ``name`` is the identifier), with awsconn's ``version`` and ``keyId``."""
    secret: dict[str, Any] = {
        "type": "SecretText",
        "name": meta.identifier,
        "identifier": meta.identifier,
        "orgIdentifier": meta.org,
        "projectIdentifier": meta.project,
        "description": meta.description,
        "tags": {},
        "spec": {"secretManagerIdentifier": HARNESS_SECRET_MANAGER, "valueType": "Inline"},
    }
    out: dict[str, Any] = {
        "secret": {k: v for k, v in secret.items() if v is not None},
        "createdAt": to_epoch_ms(meta.created_at),
        "updatedAt": to_epoch_ms(meta.updated_at),
        "draft": False,
        "version": meta.version,
        "keyId": meta.key_id,
    }
    return {k: v for k, v in out.items() if v is not None}


def page(
    content: list[Any], *, page_index: int, page_size: int, total_items: int
) -> dict[str, Any]:
    """Harness's PageResponse around ``content`` (JSON-ready items)."""
    pages = -(-total_items // page_size) if page_size > 0 else 0
    return {
        "content": content,
        "pageIndex": page_index,
        "pageSize": page_size,
        "totalItems": total_items,
        "totalPages": pages,
        "pageItemCount": len(content),
        "empty": not content,
    }
