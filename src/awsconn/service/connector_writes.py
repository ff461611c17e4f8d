"""Connector writes: create, apply, import and update, all or nothing, each one audited.

Every write validates the whole input first (shape, secret references, capability
names; :func:`~awsconn.service.connectors.parse_and_check`), asks the caller for
``connector:edit`` on each document's scope before any secret is looked up, then writes
in one transaction. Each connector written gets its audit event in that same transaction
(``connector.create``, ``connector.update``, ``connector.import``: the version written,
the credential type, the field paths an update changed); a write refused or failed is
recorded once, with its error code (``connector.apply`` for a failed apply). A dry run
writes nothing and records nothing.

:func:`save_document` is one connector document as an API body carries it, with the
update rules of an API: ``update`` refuses a connector that does not exist, and an
``expected_version`` that is not the stored one is a Conflict (optimistic concurrency).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from awsconn.errors import Conflict, NotFound, Problem, ValidationFailed
from awsconn.model import Connector, EntityRef, connector_to_document, load_yaml_documents
from awsconn.model.results import AppliedConnector, ConnectorDetail, FieldChange
from awsconn.service import credential_cache
from awsconn.service.access import Permission
from awsconn.service.audit import AuditDetail, AuditTarget, audited, record_in
from awsconn.service.connector_documents import (
    columns_of,
    diff_documents,
    parse_and_check,
    scope_of_document,
    summary_of,
)
from awsconn.service.connector_reads import StoredConnector
from awsconn.service.context import AppContext

__all__ = ["WriteMode", "apply_documents", "apply_yaml", "check_count", "save_document"]

WriteMode = Literal["create", "apply", "import", "update"]

_ACTION_OF_FAILURE: dict[str, str] = {
    "create": "connector.create",
    "update": "connector.update",
    "apply": "connector.apply",
    "import": "connector.import",
}
_CHANGED_PATH = re.compile(r"^[A-Za-z0-9_.$\[\]-]{1,200}")
_MAX_CHANGED = 64


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


@dataclass(frozen=True)
class _Written:
    applied: AppliedConnector
    row: Any  # the stored row after the write (the existing one when unchanged)


def apply_yaml(
    ctx: AppContext, text: str, *, mode: str, source: str = "input", dry_run: bool = False
) -> list[AppliedConnector]:
    """Write connectors from YAML text, all or nothing (``connector:edit`` on each scope).

    ``mode``: "create" refuses existing connectors; "apply" and "import" create what is
    missing and update what differs (the identifier and scope are the key, so immutable).
    ``dry_run`` does every check and write, then rolls the transaction back.
    """
    if mode not in ("create", "apply", "import"):
        raise ValueError(f"mode is create, apply or import, not {mode!r}")
    docs = load_yaml_documents(text, source=source)
    return apply_documents(ctx, docs, mode=mode, source=source, dry_run=dry_run)


def apply_documents(
    ctx: AppContext,
    docs: Sequence[Any],
    *,
    mode: str,
    source: str = "input",
    dry_run: bool = False,
) -> list[AppliedConnector]:
    """:func:`apply_yaml` of documents already parsed (``{"connector": {...}}`` each, as
    an API body carries them); ``source`` names the input in messages."""
    check_count(docs, mode=mode, source=source)
    return [w.applied for w in _apply(ctx, docs, mode, dry_run=dry_run)]


def check_count(docs: Sequence[Any], *, mode: str, source: str) -> None:
    """The write ``mode`` (create, apply, import) and how many documents it takes: a
    create takes exactly one (ValidationFailed naming ``source`` otherwise)."""
    if mode not in ("create", "apply", "import"):
        raise ValueError(f"mode is create, apply or import, not {mode!r}")
    if mode == "create" and len(docs) != 1:
        raise ValidationFailed(
            [
                Problem(
                    "", f"has {len(docs)} documents", allowed="exactly one (use 'import' for many)"
                )
            ],
            what=source,
        )


def save_document(
    ctx: AppContext,
    document: Any,
    *,
    mode: Literal["create", "update"],
    expected_version: int | None = None,
) -> tuple[ConnectorDetail, int]:
    """Create or update one connector from its document (``{"connector": {...}}``, parsed
    JSON or YAML); returns the stored connector and its version.

    ``create`` refuses an existing connector (Conflict); ``update`` a missing one
    (NotFound); ``expected_version`` (update) must be the stored version (Conflict
    otherwise: someone changed it since it was read).
    """
    if mode not in ("create", "update"):
        raise ValueError(f"mode is create or update, not {mode!r}")
    (written,) = _apply(ctx, [document], mode, expected_version=expected_version)
    stored = StoredConnector.of(written.row)
    detail = ConnectorDetail(
        connector=connector_to_document(stored.connector)["connector"],
        status=summary_of(stored),
    )
    return detail, stored.version


def _target(docs: Sequence[Any]) -> AuditTarget:
    """What a refused or failed write is recorded against: the connector, when one
    document names one, else the input as a whole."""
    if len(docs) == 1:
        scope = scope_of_document(docs[0])
        try:
            identifier = docs[0]["connector"]["identifier"]
        except (TypeError, KeyError):
            identifier = None
        if scope is not None and isinstance(identifier, str) and identifier:
            return AuditTarget("connector", str(EntityRef(scope, identifier)), scope)
        return AuditTarget("connector", "(one document)")
    return AuditTarget("connector", f"({len(docs)} documents)")


def _apply(
    ctx: AppContext,
    docs: Sequence[Any],
    mode: str,
    *,
    dry_run: bool = False,
    expected_version: int | None = None,
) -> list[_Written]:
    results: list[_Written] = []
    with contextlib.ExitStack() as stack:
        event = None
        if not dry_run:
            event = stack.enter_context(audited(ctx, _ACTION_OF_FAILURE[mode], _target(docs)))
        for doc in docs:  # before any secret is looked up: no probing without the permission
            scope = scope_of_document(doc)
            if scope is not None:
                ctx.caller.require(Permission.CONNECTOR_EDIT, scope)
        connectors = parse_and_check(ctx, docs)
        for c in connectors:
            ctx.caller.require(Permission.CONNECTOR_EDIT, c.scope)

        def write(tx: Any) -> None:
            results.clear()  # a retry after a race starts over on fresh data
            _write(tx, ctx, connectors, mode, dry_run, expected_version, results)
            if dry_run:
                raise _DryRun

        with contextlib.suppress(_DryRun):
            ctx.db.run(write)
        if event is not None:
            event.skip()  # each connector written has its event, in the write's transaction
    return results


def _write(
    tx: Any,
    ctx: AppContext,
    connectors: list[Connector],
    mode: str,
    dry_run: bool,
    expected_version: int | None,
    out: list[_Written],
) -> None:
    """Create what is missing, update what differs; ``out`` says which, in the
    documents' order. The rows are written in key order (scope, identifier), so two
    writes of the same connectors in different orders wait for each other instead of
    deadlocking (PostgreSQL)."""
    written: dict[int, _Written] = {}
    in_key_order = sorted(
        range(len(connectors)),
        key=lambda i: (
            connectors[i].scope.org or "",
            connectors[i].scope.project or "",
            connectors[i].identifier,
        ),
    )
    for i in in_key_order:
        c = connectors[i]
        document = connector_to_document(c)
        fields = columns_of(c)
        existing = tx.connectors.find(
            org=c.scope.org, project=c.scope.project, identifier=c.identifier
        )
        action: Literal["created", "updated", "unchanged"]
        changes: list[FieldChange] | None = None
        if existing is None and mode == "update":
            raise NotFound(
                f"connector {c.ref} not found in {c.scope.label()}",
                hint="create it first; an update changes an existing connector",
            )
        if existing is None:
            row = tx.connectors.create(document=document, **fields)
            action = "created"
        elif mode == "create":
            raise Conflict(
                f"connector {c.ref} already exists",
                hint="use 'awsconn connector apply' to update it",
            )
        elif expected_version is not None and existing.version != expected_version:
            raise Conflict(
                f"connector {c.ref} is at version {existing.version}, not "
                f"{expected_version}: it changed since it was read",
                hint="read it again and make the change on the current version",
            )
        elif existing.document == document:
            row, action = existing, "unchanged"
        else:
            row = tx.connectors.update(
                document=document, expected_version=existing.version, **fields
            )
            changes = list(diff_documents(existing.document, document))
            action = "updated"
        if not dry_run and action != "unchanged":
            credential_cache.forget(ctx, c.ref)  # its cached credentials are of another version
            verb = "import" if mode == "import" else action[:-1]  # created -> create
            record_in(
                tx,
                ctx,
                f"connector.{verb}",
                AuditTarget.of("connector", c.ref),
                version=row.version,
                detail=AuditDetail(
                    credential_type=c.credential_type.value,
                    changed=_changed_paths(changes or ()),
                ),
            )
        applied = AppliedConnector(
            ref=str(c.ref),
            action=action,
            dry_run=dry_run,
            version=None if dry_run else row.version,  # a dry run wrote nothing
            changes=changes,
        )
        written[i] = _Written(applied, row)
    out.extend(written[i] for i in range(len(connectors)))


def _changed_paths(changes: Sequence[FieldChange]) -> tuple[str, ...]:
    """The changed field paths in the audit detail's narrow form: a path holding other
    characters (a quoted tag key) is cut to the part before them (``tags``)."""
    paths: list[str] = []
    for change in changes:
        found = _CHANGED_PATH.match(change.path)
        path = found.group().rstrip(".[") if found else ""
        if path.endswith("[") or path.count("[") != path.count("]"):
            path = path[: path.rfind("[")]
        if path and path not in paths:
            paths.append(path)
    return tuple(paths[:_MAX_CHANGED])
