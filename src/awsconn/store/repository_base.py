"""What every repository shares: the session, the clock, scopes, versioned writes.

Every update increments ``version``; passing ``expected_version`` turns a concurrent
change into :class:`~awsconn.errors.Conflict` instead of a lost update.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, Select, delete, select, update
from sqlalchemy.orm import Session

from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.store.db_errors import translated
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

Clock = Callable[[], datetime]


class Keep(Enum):
    """Marker for "leave this field as it is" where None is a meaningful new value."""

    KEEP = "keep"


KEEP = Keep.KEEP


def describe_scope(org: str | None, project: str | None) -> str:
    """Human name of a scope, for messages: account, org o, project o/p."""
    if project:
        return f"project {org}/{project}"
    if org:
        return f"org {org}"
    return "the account scope"


def scope_columns(org: str | None, project: str | None) -> tuple[str, str]:
    """Column values of a scope ('' stands for none); a project always belongs to an org."""
    if project and not org:
        raise InvalidInput(f"project {project!r} is given without its org")
    return org or "", project or ""


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


class Repository:
    """Shared plumbing: the session, the clock, and how to name the database in errors."""

    def __init__(self, session: Session, clock: Clock, where: str) -> None:
        self._session = session
        self._clock = clock
        self._where = where

    def _now(self) -> datetime:
        return check_timestamp(self._clock(), "the clock's time")

    def _one(self, stmt: Select[_M]) -> _M | None:
        with translated(self._where):
            return self._session.scalars(
                stmt.execution_options(populate_existing=True)
            ).one_or_none()

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
    ) -> None:
        stmt = delete(model).where(*keys)
        if expected_version is not None:
            stmt = stmt.where(model.version == expected_version)
        self._execute_versioned(stmt, model, keys, expected_version, what)

    def _execute_versioned(
        self,
        stmt: Any,
        model: type[_M],
        keys: Sequence[ColumnElement[bool]],
        expected_version: int | None,
        what: str,
    ) -> None:
        """Run a keyed UPDATE/DELETE; when it touched no row, say whether it is gone or stale."""
        with translated(self._where):
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

    def find(self, *, org: str | None, project: str | None, identifier: str) -> _Row | None:
        record = self._one(select(self._model).where(*self._keys(org, project, identifier)))
        return type(self)._row_of(record) if record is not None else None

    def get(self, *, org: str | None, project: str | None, identifier: str) -> _Row:
        row = self.find(org=org, project=project, identifier=identifier)
        if row is None:
            raise NotFound(f"{self._what(org, project, identifier)} not found")
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
