"""Connectors by scope and identifier, with their connection-test history.

Every create and update also writes, in the same transaction, which secrets the
connector's document names (``connector_secret_refs``, a foreign key to each secret):
so a secret deleted at the same moment either makes this write fail or is refused
because of it, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, func, insert, or_, select, update

from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.store.connector_links import named_secrets
from awsconn.store.db_errors import translated
from awsconn.store.repository_base import (
    ScopedRepository,
    check_json,
    check_timestamp,
    describe_scope,
    scope_columns,
)
from awsconn.store.rows import ConnectorRow, ConnectorTestRow
from awsconn.store.tables import (
    ConnectorRecord,
    ConnectorSecretRefRecord,
    ConnectorStatusChangeRecord,
    ConnectorTestRecord,
    SecretRecord,
)

__all__ = ["ConnectorRepository", "ConnectorRow", "ConnectorTestRow"]

SUCCESS_STATUSES = frozenset({"SUCCESS"})


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise InvalidInput("tags must map text keys to text values")
    return dict(tags)


def _tag_conditions(tag: str | Sequence[str] | None) -> builtins.list[ColumnElement[bool]]:
    """``key`` (the tag is present) or ``key=value`` (it has that value); all must hold."""
    if tag is None:
        return []
    wanted = [tag] if isinstance(tag, str) else list(tag)
    conditions: builtins.list[ColumnElement[bool]] = []
    for item in wanted:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not key or '"' in key or "\\" in key:
            raise InvalidInput(f"tag filter {item!r} is not 'key' or 'key=value'")
        extracted = ConnectorRecord.tags[key].as_string()
        conditions.append(extracted == value if sep else extracted.is_not(None))
    return conditions


class ConnectorRepository(ScopedRepository[ConnectorRecord, ConnectorRow]):
    """Connectors by (org, project, identifier), with their test history (deleted with them)."""

    _model = ConnectorRecord
    _noun = "connector"
    _row_of = staticmethod(ConnectorRow.of)

    def create(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        name: str,
        credential_type: str,
        region: str | None,
        tags: dict[str, str],
        document: dict[str, Any],
    ) -> ConnectorRow:
        o, p = scope_columns(org, project)
        check_json(document, "the connector document")
        now = self._now()
        record = ConnectorRecord(
            org=o,
            project=p,
            identifier=identifier,
            name=name,
            credential_type=credential_type,
            region=region,
            tags=_check_tags(tags),
            document=document,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self._insert(record, f"{self._what(org, project, identifier)} already exists")
        row = self.get(org=org, project=project, identifier=identifier)
        self._link_secrets(row, document)
        return row

    def update(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        name: str,
        credential_type: str,
        region: str | None,
        tags: dict[str, str],
        document: dict[str, Any],
        expected_version: int | None = None,
    ) -> ConnectorRow:
        """Replace the whole connector (the model produced a new canonical document)."""
        check_json(document, "the connector document")
        values: dict[str, Any] = {
            "name": name,
            "credential_type": credential_type,
            "region": region,
            "tags": _check_tags(tags),
            "document": document,
            "updated_at": self._now(),
        }
        what = self._what(org, project, identifier)
        keys = self._keys(org, project, identifier)
        self._versioned_update(ConnectorRecord, keys, expected_version, values, what)
        row = self.get(org=org, project=project, identifier=identifier)
        self._link_secrets(row, document)
        return row

    def _link_secrets(self, connector: ConnectorRow, document: dict[str, Any]) -> None:
        """Replace the connector's secret links with those its document names.

        Each named secret is locked for share (PostgreSQL ``FOR SHARE``, in key order) so a
        delete of it waits for this transaction and then sees the link; a secret that is
        gone is a Conflict (a delete won the race), never a connector naming nothing.
        """
        org, project, connector_id = connector.org, connector.project, connector.id
        links = named_secrets(document, org, project)
        rows: list[dict[str, Any]] = []
        for link in links:
            stmt = select(SecretRecord.id).where(
                SecretRecord.org == link.org,
                SecretRecord.project == link.project,
                SecretRecord.identifier == link.identifier,
            )
            with translated(self._where):
                secret_id = self._session.scalars(stmt.with_for_update(read=True)).one_or_none()
            if secret_id is None:
                raise Conflict(
                    f"secret {link.written} named at {link.path} of "
                    f"{self._what(org, project, connector.identifier)} does not "
                    f"exist in {describe_scope(link.org, link.project)} (deleted meanwhile?)",
                    hint="create the secret, or point the connector at an existing one",
                )
            rows.append(
                {
                    "connector_id": connector_id,
                    "path": link.path,
                    "secret_org": link.org,
                    "secret_project": link.project,
                    "secret_identifier": link.identifier,
                    "secret_id": secret_id,
                }
            )
        with translated(self._where):
            self._session.execute(
                delete(ConnectorSecretRefRecord).where(
                    ConnectorSecretRefRecord.connector_id == connector_id
                ),
                execution_options={"synchronize_session": False},
            )
            if rows:
                self._session.execute(insert(ConnectorSecretRefRecord), rows)

    def list(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        all_scopes: bool = False,
        tag: str | Sequence[str] | None = None,
        credential_type: str | None = None,
    ) -> builtins.list[ConnectorRow]:
        """Connectors of one scope (or all), optionally by tag and credential type."""
        stmt = select(ConnectorRecord)
        if not all_scopes:
            o, p = scope_columns(org, project)
            stmt = stmt.where(ConnectorRecord.org == o, ConnectorRecord.project == p)
        if credential_type is not None:
            stmt = stmt.where(ConnectorRecord.credential_type == credential_type)
        stmt = stmt.where(*_tag_conditions(tag))
        stmt = stmt.order_by(
            ConnectorRecord.org, ConnectorRecord.project, ConnectorRecord.identifier
        )
        with translated(self._where):
            records = self._session.scalars(stmt.execution_options(populate_existing=True))
            return [ConnectorRow.of(r) for r in records]

    def page(
        self,
        *,
        org: str | None,
        project: str | None,
        offset: int,
        limit: int,
        search: str | None = None,
        identifiers: Sequence[str] = (),
        names: Sequence[str] = (),
        credential_types: Sequence[str] = (),
        statuses: Sequence[str | None] = (),
        tags: dict[str, str] | None = None,
        description: str | None = None,
        execute_on_delegate: bool | None = None,
        tag_keys: Sequence[str] = (),
        below: bool = False,
    ) -> tuple[builtins.list[ConnectorRow], int]:
        """One page of one scope's connectors by identifier, and how many match in all;
        with ``below``, of that scope and every scope inside it, by scope then identifier.

        ``search``: identifier, name or tags contain it (any case); the lists match any
        of their values (``statuses``: the last test's, None for never tested); ``tags``
        must all be present with those values, ``tag_keys`` present with any value;
        ``description`` is contained.
        """
        o, p = scope_columns(org, project)
        where: builtins.list[ColumnElement[bool]] = []
        if not below or org is not None:
            where.append(ConnectorRecord.org == o)
        if not below or project is not None:
            where.append(ConnectorRecord.project == p)
        where.extend(_tag_conditions(list(tag_keys)))
        if search:
            term = search.lower()
            where.append(
                or_(
                    func.lower(ConnectorRecord.identifier).contains(term, autoescape=True),
                    func.lower(ConnectorRecord.name).contains(term, autoescape=True),
                    func.lower(cast(ConnectorRecord.tags, String)).contains(term, autoescape=True),
                )
            )
        if identifiers:
            where.append(ConnectorRecord.identifier.in_(list(identifiers)))
        if names:
            where.append(ConnectorRecord.name.in_(list(names)))
        if credential_types:
            where.append(ConnectorRecord.credential_type.in_(list(credential_types)))
        if statuses:
            known = [s for s in statuses if s is not None]
            either = [ConnectorRecord.last_status.in_(known)] if known else []
            if None in statuses:
                either.append(ConnectorRecord.last_status.is_(None))
            where.append(or_(*either))
        for key, value in (tags or {}).items():
            if not key or '"' in key or "\\" in key:
                raise InvalidInput(f"tag filter key {key!r} cannot be matched")
            where.append(ConnectorRecord.tags[key].as_string() == value)
        body = ConnectorRecord.document["connector"]
        if description:
            where.append(body["description"].as_string().contains(description, autoescape=True))
        if execute_on_delegate is not None:
            flag = body["spec"]["executeOnDelegate"].as_boolean()
            where.append(flag.is_(True) if execute_on_delegate else flag.is_(False))
        order = (
            (ConnectorRecord.org, ConnectorRecord.project, ConnectorRecord.identifier)
            if below
            else (ConnectorRecord.identifier,)
        )
        stmt = (
            select(ConnectorRecord)
            .where(*where)
            .order_by(*order)
            .offset(max(0, offset))
            .limit(max(0, limit))
        )
        count = select(func.count()).select_from(ConnectorRecord).where(*where)
        with translated(self._where):
            total = int(self._session.scalar(count) or 0)
            records = self._session.scalars(stmt.execution_options(populate_existing=True))
            return [ConnectorRow.of(r) for r in records], total

    def status_counts(self) -> dict[str | None, int]:
        """How many connectors (every scope) have each last status (None: never tested)."""
        stmt = select(ConnectorRecord.last_status, func.count()).group_by(
            ConnectorRecord.last_status
        )
        with translated(self._where):
            return {status: int(n) for status, n in self._session.execute(stmt)}

    def record_test(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        result: dict[str, Any],
        status: str,
        tested_at: datetime,
        duration_ms: int | None = None,
        succeeded: bool | None = None,
    ) -> ConnectorTestRow:
        """Append to the history and update last_*; the connector's version is untouched.

        ``succeeded`` defaults to ``status.upper() == "SUCCESS"``. A result older than the
        last recorded one joins the history without overwriting last_status. A result
        that changes last_status (its first one too) is recorded as a status change.
        """
        check_timestamp(tested_at, "tested_at")
        check_json(result, "the test result")
        ok = status.upper() in SUCCESS_STATUSES if succeeded is None else succeeded
        stmt = select(ConnectorRecord).where(*self._keys(org, project, identifier))
        connector = self._one(stmt.with_for_update())
        if connector is None:
            raise NotFound(f"{self._what(org, project, identifier)} not found")
        record = ConnectorTestRecord(
            connector_id=connector.id,
            status=status,
            tested_at=tested_at,
            duration_ms=duration_ms,
            result=result,
        )
        values: dict[str, Any] = {}
        if connector.last_tested_at is None or tested_at >= connector.last_tested_at:
            values.update(last_status=status, last_tested_at=tested_at)
        if ok and (connector.last_success_at is None or tested_at > connector.last_success_at):
            values["last_success_at"] = tested_at
        with translated(self._where):
            self._session.add(record)
            self._session.flush()
            if "last_status" in values and status != connector.last_status:
                self._session.add(
                    ConnectorStatusChangeRecord(
                        connector_id=connector.id,
                        test_id=record.id,
                        at=tested_at,
                        from_status=connector.last_status,
                        to_status=status,
                    )
                )
                self._session.flush()
            if values:
                self._session.execute(
                    update(ConnectorRecord)
                    .where(ConnectorRecord.id == connector.id)
                    .values(**values),
                    execution_options={"synchronize_session": False},
                )
        return ConnectorTestRow.of(record)

    def history(
        self, *, org: str | None, project: str | None, identifier: str, limit: int = 20
    ) -> builtins.list[ConnectorTestRow]:
        """The connector's recorded tests, newest first."""
        connector = self.get(org=org, project=project, identifier=identifier)
        stmt = (
            select(ConnectorTestRecord)
            .where(ConnectorTestRecord.connector_id == connector.id)
            .order_by(ConnectorTestRecord.tested_at.desc(), ConnectorTestRecord.id.desc())
            .limit(max(0, limit))
        )
        with translated(self._where):
            return [ConnectorTestRow.of(r) for r in self._session.scalars(stmt)]
