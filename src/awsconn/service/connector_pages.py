"""Connector listings a page at a time: one scope, filtered and counted by the database.

A server lists tens of thousands of connectors a page at a time; loading every one to
show a hundred would cost a parse per connector. Here the database filters, counts and
cuts the page, and only the page's connectors are read. The scope is exactly one (as
Harness lists connectors): the caller needs ``connector:view`` there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from awsconn.errors import Problem, StoreCorrupt, ValidationFailed
from awsconn.model import CredentialType, Scope
from awsconn.model.results import (
    ConnectorDetail,
    ConnectorPage,
    ConnectorSummary,
    Failure,
    HistoryEntry,
)
from awsconn.service.access import Permission
from awsconn.service.connector_reads import StoredConnector
from awsconn.service.connectors import summary_of
from awsconn.service.context import AppContext
from awsconn.service.pages import page_problems
from awsconn.service.runtime import Runtime

__all__ = [
    "ConnectorFilter",
    "last_failures",
    "list_page",
    "status_counts",
]

_STATUSES = {"SUCCESS": "SUCCESS", "FAILURE": "FAILURE", "UNKNOWN": None}


@dataclass(frozen=True)
class ConnectorFilter:
    """What a listing keeps; each list matches any of its values, empty: no condition.

    ``statuses``: the last test's (SUCCESS, FAILURE; UNKNOWN: never tested; any other
    status matches nothing); ``tag_keys``: tags present with any value (``tags``: with
    that value); ``execute_on_delegate``: the connector's setting (None:
    either); ``matches_nothing``: a condition no AWS connector meets (another
    connector type or category asked for).
    """

    search_term: str | None = None
    identifiers: Sequence[str] = ()
    names: Sequence[str] = ()
    credential_types: Sequence[str] = ()
    statuses: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    execute_on_delegate: bool | None = None
    tag_keys: Sequence[str] = ()
    matches_nothing: bool = False


def _check(page_index: int, page_size: int, wanted: ConnectorFilter) -> None:
    problems = page_problems(page_index, page_size)
    kinds = [t.value for t in CredentialType]
    for i, kind in enumerate(wanted.credential_types):
        if kind not in kinds:
            problems.append(
                Problem(
                    f"credentialTypes[{i}]",
                    "is not a credential type",
                    given=kind,
                    allowed=", ".join(kinds),
                )
            )
    if problems:
        raise ValidationFailed(problems, what="connector listing")


def list_page(
    ctx: AppContext,
    scope: Scope,
    *,
    page_index: int = 0,
    page_size: int = 100,
    wanted: ConnectorFilter | None = None,
    below: bool = False,
) -> ConnectorPage:
    """Page ``page_index`` (from 0) of ``scope``'s connectors that ``wanted`` keeps, by
    identifier, with the count of all that match (``connector:view`` in ``scope``);
    with ``below``, of ``scope`` and every scope inside it, by scope then identifier."""
    wanted = wanted or ConnectorFilter()
    _check(page_index, page_size, wanted)
    ctx.caller.require(Permission.CONNECTOR_VIEW, scope)
    statuses = [_STATUSES[s] for s in wanted.statuses if s in _STATUSES]
    if wanted.matches_nothing or (wanted.statuses and not statuses):
        return ConnectorPage(items=[], page_index=page_index, page_size=page_size, total_items=0)
    with ctx.db.transaction(write=False) as tx:
        rows, total = tx.connectors.page(
            org=scope.org,
            project=scope.project,
            offset=page_index * page_size,
            limit=page_size,
            search=wanted.search_term or None,
            identifiers=list(wanted.identifiers),
            names=list(wanted.names),
            credential_types=list(wanted.credential_types),
            statuses=statuses,
            tags=dict(wanted.tags),
            description=wanted.description or None,
            execute_on_delegate=wanted.execute_on_delegate,
            tag_keys=list(wanted.tag_keys),
            below=below,
        )
    items = []
    for row in rows:
        stored = StoredConnector.of(row)
        # the stored document is the canonical one the model wrote (no need to write it again)
        items.append(
            ConnectorDetail(connector=row.document["connector"], status=summary_of(stored))
        )
    return ConnectorPage(items=items, page_index=page_index, page_size=page_size, total_items=total)


def last_failures(
    ctx: AppContext, summaries: Sequence[ConnectorSummary]
) -> dict[str, list[Failure]]:
    """The errors of the last test of each connector whose last test failed, by ref,
    read from the stored results in one read transaction. No permission is asked: for
    answers about connectors the caller has been allowed to read already."""
    failing = [s for s in summaries if s.last_status == "FAILURE"]
    if not failing:
        return {}
    out: dict[str, list[Failure]] = {}
    with ctx.db.transaction(write=False) as tx:
        for s in failing:
            rows = tx.connectors.history(
                org=s.org, project=s.project, identifier=s.identifier, limit=1
            )
            if not rows:
                continue
            try:
                out[s.ref] = list(HistoryEntry.model_validate(rows[0].result).errors)
            except ValueError as exc:
                raise StoreCorrupt(
                    f"a stored connection test of {s.ref} has a shape awsconn never writes: {exc}"
                ) from None
    return out


def status_counts(runtime: Runtime) -> dict[str, int]:
    """Connectors of every scope by their last test: SUCCESS, FAILURE, UNKNOWN (never
    tested). Counts only, nothing of any connector: for monitoring, no caller asked."""
    with runtime.db.transaction(write=False) as tx:
        found = tx.connectors.status_counts()
    out: dict[str, int] = {}
    for status, count in found.items():
        key = status if status in ("SUCCESS", "FAILURE") else "UNKNOWN"
        out[key] = out.get(key, 0) + count
    return out
