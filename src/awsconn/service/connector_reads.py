"""Stored connectors as the use cases read them: by reference, or every one.

No permission check here: the use case that reads asks the caller first. Stdlib and the
model only (no pydantic, no SQLAlchemy for a point read): ``awsconn credentials`` loads
its connector through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from awsconn.errors import NotFound
from awsconn.model import Connector, EntityRef, Scope, parse_connector_document
from awsconn.service.context import AppContext

__all__ = ["StoredConnector", "load", "load_all"]


@dataclass(frozen=True)
class StoredConnector:
    """A stored connector with its bookkeeping (version, last connectivity status)."""

    connector: Connector
    version: int
    last_status: str | None = None
    last_tested_at: datetime | None = None
    last_success_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> StoredConnector:
        return cls(
            connector=parse_connector_document(row.document),
            version=row.version,
            last_status=row.last_status,
            last_tested_at=row.last_tested_at,
            last_success_at=row.last_success_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def load(ctx: AppContext, ref: EntityRef) -> StoredConnector:
    """The connector ``ref`` names; NotFound naming it and its scope."""
    with ctx.store.reading() as tx:
        row = tx.connectors.find(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
        if row is None:
            raise NotFound(
                f"connector {ref} not found in {ref.scope.label()}",
                hint="'awsconn connector list' shows them; a ref is ID, ORG/ID or ORG/PROJECT/ID",
            )
        return StoredConnector.of(row)


def load_all(
    ctx: AppContext,
    *,
    scope: Scope | None = None,
    tags: list[str] | tuple[str, ...] = (),
    credential_type: str | None = None,
) -> list[StoredConnector]:
    """Connectors of ``scope`` (every scope when None), sorted by scope then identifier;
    ``tags`` entries are KEY or KEY=VALUE, all required."""
    with ctx.db.transaction(write=False) as tx:
        rows = tx.connectors.list(
            org=scope.org if scope else None,
            project=scope.project if scope else None,
            all_scopes=scope is None,
            tag=list(tags),
            credential_type=credential_type,
        )
        found = [StoredConnector.of(r) for r in rows]
    return sorted(found, key=lambda s: (s.connector.scope.sort_key(), s.connector.identifier))
