"""Connector use cases: create, apply, import, get, list, delete, export, history.

Every write validates the whole input first (shape, secret references, capability
names), reports every problem at once, asks the caller for ``connector:edit`` on each
connector's scope, then writes in one transaction: all or nothing. Reads ask for
``connector:view``; listings show only what the caller may see. Results are the models
of :mod:`awsconn.model.results`.
"""

from __future__ import annotations

from collections.abc import Iterable

from awsconn.errors import Problem, StoreCorrupt, ValidationFailed
from awsconn.model import (
    CredentialType,
    EntityRef,
    connector_to_document,
    dump_connectors_yaml,
    scope_of_settings,
)
from awsconn.model.results import (
    AppliedConnector,
    ConnectorDetail,
    ConnectorSummary,
    HistoryEntry,
)
from awsconn.service import connector_reads, credential_cache
from awsconn.service.access import Permission
from awsconn.service.audit import AuditTarget, audited
from awsconn.service.connector_documents import (
    columns_of,
    diff_documents,
    parse_and_check,
    summary_of,
)
from awsconn.service.connector_reads import StoredConnector
from awsconn.service.context import AppContext

__all__ = [
    "MAX_HISTORY",
    "apply_yaml",
    "columns_of",
    "delete",
    "diff_documents",
    "export_yaml",
    "get",
    "history",
    "list_connectors",
    "parse_and_check",
    "stored_history",
    "summary_of",
]

MAX_HISTORY = 1000
"""The most history entries one request returns."""


def apply_yaml(
    ctx: AppContext, text: str, *, mode: str, source: str = "input", dry_run: bool = False
) -> list[AppliedConnector]:
    """Write connectors from YAML text, all or nothing (``connector:edit`` on each scope);
    audited. See :func:`awsconn.service.connector_writes.apply_yaml`."""
    from awsconn.service.connector_writes import apply_yaml as write_yaml

    return write_yaml(ctx, text, mode=mode, source=source, dry_run=dry_run)


def get(ctx: AppContext, ref: EntityRef) -> ConnectorDetail:
    """One connector: its canonical document and status (``connector:view``)."""
    ctx.caller.require(Permission.CONNECTOR_VIEW, ref.scope)
    stored = connector_reads.load(ctx, ref)
    return ConnectorDetail(
        connector=connector_to_document(stored.connector)["connector"],
        status=summary_of(stored),
    )


def _credential_type(value: str | None) -> str | None:
    allowed = [t.value for t in CredentialType]
    if value is not None and value not in allowed:
        problem = Problem(
            "type", "is not a credential type", given=value, allowed=", ".join(allowed)
        )
        raise ValidationFailed([problem], what="connector filter")
    return value


def _listed(
    ctx: AppContext,
    org: str | None,
    project: str | None,
    tags: Iterable[str] = (),
    credential_type: str | None = None,
) -> list[StoredConnector]:
    """Connectors of one scope (org/project given: it needs ``connector:view`` there),
    or of every scope the caller may see."""
    scope = scope_of_settings(org, project) if org is not None or project is not None else None
    kind = _credential_type(credential_type)
    ctx.caller.require(Permission.CONNECTOR_VIEW, scope or ctx.caller.scope)
    found = connector_reads.load_all(ctx, scope=scope, tags=tuple(tags), credential_type=kind)
    return [s for s in found if ctx.caller.visible(s.connector.scope)]


def list_connectors(
    ctx: AppContext,
    *,
    org: str | None = None,
    project: str | None = None,
    tags: Iterable[str] = (),
    credential_type: str | None = None,
) -> list[ConnectorSummary]:
    """Connectors, sorted by scope then identifier (``connector:view``).

    ``org`` alone: the org's own connectors; with ``project``: the project's; neither:
    every scope the caller may see. ``tags`` entries are KEY or KEY=VALUE, all required;
    ``credential_type`` one of the credential types.
    """
    return [summary_of(s) for s in _listed(ctx, org, project, tags, credential_type)]


def delete(ctx: AppContext, ref: EntityRef) -> None:
    """Delete a connector and its history (``connector:edit``); audited as
    ``connector.delete`` with the version deleted."""
    with audited(ctx, "connector.delete", AuditTarget.of("connector", ref)) as event:
        ctx.caller.require(Permission.CONNECTOR_EDIT, ref.scope)
        with ctx.db.transaction() as tx:
            org, project, identifier = ref.scope.org, ref.scope.project, ref.identifier
            row = tx.connectors.find(org=org, project=project, identifier=identifier)
            event.version = row.version if row is not None else None
            tx.connectors.delete(org=org, project=project, identifier=identifier)
            event.write(tx)
        credential_cache.forget(ctx, ref)


def export_yaml(
    ctx: AppContext,
    *,
    org: str | None = None,
    project: str | None = None,
    harness_only: bool = False,
) -> str:
    """Every connector the caller may see (or one scope's) as multi-document YAML,
    deterministic (no timestamps, sorted); ``connector:view``. ``harness_only``: plain
    Harness YAML (``model.yaml_io.dump_connectors_yaml``: a role chain is refused)."""
    stored = _listed(ctx, org, project)
    if not stored:
        return ""
    return dump_connectors_yaml((s.connector for s in stored), harness_only=harness_only)


def stored_history(ctx: AppContext, ref: EntityRef, *, limit: int = 20) -> list[HistoryEntry]:
    """The connector's stored connection-test results, newest first (no permission asked:
    for use cases that already asked)."""
    connector_reads.load(ctx, ref)  # NotFound with the usual message
    with ctx.db.transaction(write=False) as tx:
        rows = tx.connectors.history(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier, limit=limit
        )
        stored = [r.result for r in rows]
    try:
        return [HistoryEntry.model_validate(r) for r in stored]
    except ValueError as exc:
        raise StoreCorrupt(
            f"a stored connection test of {ref} has a shape awsconn never writes: {exc}"
        ) from None


def history(ctx: AppContext, ref: EntityRef, *, limit: int = 20) -> list[HistoryEntry]:
    """Stored connection-test results of a connector, newest first (``connector:view``;
    ``limit`` from 1 to 1000)."""
    ctx.caller.require(Permission.CONNECTOR_VIEW, ref.scope)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_HISTORY:
        problem = Problem("limit", "is out of range", given=limit, allowed=f"1 to {MAX_HISTORY}")
        raise ValidationFailed([problem], what="history request")
    return stored_history(ctx, ref, limit=limit)
