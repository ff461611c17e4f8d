"""Is this process ready to serve: the store answers and its schema is the one this awsconn
writes (a replica started before a newer one migrated, or a database being restored, is
not)."""

from __future__ import annotations

from awsconn.errors import StoreUnavailable
from awsconn.service.runtime import Runtime

__all__ = ["readiness"]


def readiness(runtime: Runtime) -> dict[str, str]:
    """``{"status": "READY", "schema": REVISION}``; StoreUnavailable saying what is wrong."""
    from awsconn.store.revision import HEAD_REVISION

    found = runtime.db.schema_revision()
    if found != HEAD_REVISION:
        raise StoreUnavailable(
            f"the database schema is at {found or 'nothing'}, not {HEAD_REVISION}",
            hint="restart a server of this version (it migrates at start), or upgrade this one",
        )
    return {"status": "READY", "schema": HEAD_REVISION}
