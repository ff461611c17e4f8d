"""What every repository shares: the session, the clock, scopes, versioned writes.

Every update increments ``version``; passing ``expected_version`` turns a concurrent
change into :class:`~awsconn.errors.Conflict` instead of a lost update. In a write
transaction, a row looked up by key is locked until the transaction ends (PostgreSQL
``FOR UPDATE``; SQLite's write transactions hold the database's write lock already),
so "read it, then write it" cannot be raced by another writer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, Row, Select, delete, select, update
from sqlalchemy.orm import Session

from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.store.db_errors import translated
from awsconn.store.rows import KEEP, Clock, Keep, describe_scope, not_found, scope_columns
from awsconn.store.tables import ConnectorRecord, SecretRecord

__all__ = [
    "KEEP",
    "Clock",
    "Keep",
    "Repository",
    "check_json",
    "check_timestamp",
    "describe_scope",
    "scope_columns",
]


def check_timestamp(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} must be a timezone-aware datetime")
    return value


def check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} cannot be stored as JSON: {exc}") from None


_M = TypeVar("_M", SecretRecord, ConnectorRecord)
_Rec = TypeVar("_Rec")  # any mapped record


class Repository:
    """Shared plumbing: the session, the clock, and how to name the database in errors."""

    def __init__(self, session: Session, clock: Clock, where: str, *, write: bool = True) -> None:
        self._session = session
        self._clock = clock
        self._where = where
        self._write = write

    def _now(self) -> datetime:
        return check_timestamp(self._clock(), "the clock's time")

    def _one(self, stmt: Select[_Rec]) -> _Rec | None:
        with translated(self._where):
            return self._session.scalars(
                stmt.execution_options(populate_existing=True)
            ).one_or_none()

    def _core(
        self,
        stmt: Any,
        *,
        params: dict[str, Any] | None = None,
        conflict: str | None = None,
    ) -> list[Row[Any]]:
        """The rows of a Core statement (one returning rows), run on the transaction's
        connection past the ORM: the hot paths' way (no objects, no identity map)."""
        with translated(self._where, conflict=conflict):
            return list(self._session.connection().execute(stmt, params).all())

    def _core_count(self, stmt: Any, *, params: dict[str, Any] | None = None) -> int:
        """How many rows a Core UPDATE or DELETE touched."""
        with translated(self._where):
            result = self._session.connection().execute(stmt, params)
        return int(cast(CursorResult[Any], result).rowcount)

    def _insert(self, record: object, duplicate: str) -> None:
        """Insert inside a savepoint, so a duplicate leaves the transaction usable."""
        with translated(self._where, conflict=duplicate), self._session.begin_nested():
            self._session.add(record)

    def _versioned_update(
        self,
        model: type[_M],
        keys: Sequence[ColumnElement[bool]],
        expected_version: int | None,
        values: dict[str, Any],
        what: str,
    ) -> None:
        """UPDATE ... SET version = version + 1 [WHERE version = expected]; 0 rows: why."""
        stmt = update(model).where(*keys)
        if expected_version is not None:
            stmt = stmt.where(model.version == expected_version)
        stmt = stmt.values(version=model.version + 1, **values)
        self._execute_versioned(stmt, model, keys, expected_version, what)

    def _versioned_delete(
        self,
        model: type[_M],
        keys: Sequence[ColumnElement[bool]],
        expected_version: int | None,
        what: str,
        *,
        conflict: str | None = None,
    ) -> None:
        """DELETE ... [WHERE version = expected]; ``conflict`` names what a violation means."""
        stmt = delete(model).where(*keys)
        if expected_version is not None:
            stmt = stmt.where(model.version == expected_version)
        self._execute_versioned(stmt, model, keys, expected_version, what, conflict=conflict)

    def _execute_versioned(
        self,
        stmt: Any,
        model: type[_M],
        keys: Sequence[ColumnElement[bool]],
        expected_version: int | None,
        what: str,
        *,
        conflict: str | None = None,
    ) -> None:
        """Run a keyed UPDATE/DELETE; when it touched no row, say whether it is gone or stale."""
        with translated(self._where, conflict=conflict):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        if cast(CursorResult[Any], result).rowcount == 0:
            self._raise_missing_or_stale(model, keys, expected_version, what)

    def _raise_missing_or_stale(
        self,
        model: type[_M],
        keys: Sequence[ColumnElement[bool]],
        expected_version: int | None,
        what: str,
    ) -> None:
        current = self._one(select(model).where(*keys))
        if current is None:
            raise NotFound(f"{what} not found")
        raise Conflict(
            f"{what} was changed by someone else (now version {current.version}, "
            f"expected {expected_version})",
            hint="read it again and reapply your change",
        )


_Row = TypeVar("_Row")


class ScopedRepository(Repository, Generic[_M, _Row]):
    """Rows keyed by (org, project, identifier): lookup, naming and versioned delete.

    Subclasses set ``_model`` (the table), ``_noun`` (for messages) and ``_row_of``
    (record -> row dataclass).
    """

    _model: type[_M]
    _noun: str
    _row_of: Callable[[_M], _Row]

    def _keys(
        self, org: str | None, project: str | None, identifier: str
    ) -> list[ColumnElement[bool]]:
        o, p = scope_columns(org, project)
        model = self._model
        return [model.org == o, model.project == p, model.identifier == identifier]

    def _what(self, org: str | None, project: str | None, identifier: str) -> str:
        return f"{self._noun} {identifier!r} in {describe_scope(org, project)}"

    def _find_record(self, org: str | None, project: str | None, identifier: str) -> _M | None:
        stmt = select(self._model).where(*self._keys(org, project, identifier))
        return self._one(stmt.with_for_update() if self._write else stmt)

    def find(self, *, org: str | None, project: str | None, identifier: str) -> _Row | None:
        """The row, or None; in a write transaction it stays locked until the end."""
        record = self._find_record(org, project, identifier)
        return type(self)._row_of(record) if record is not None else None

    def get(self, *, org: str | None, project: str | None, identifier: str) -> _Row:
        row = self.find(org=org, project=project, identifier=identifier)
        if row is None:
            raise not_found(self._noun, org, project, identifier)
        return row

    def delete(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        expected_version: int | None = None,
    ) -> None:
        what = self._what(org, project, identifier)
        keys = self._keys(org, project, identifier)
        self._versioned_delete(self._model, keys, expected_version, what)
