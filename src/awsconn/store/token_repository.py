"""API and delegate tokens by id, by live name, and by hash; rows never hold a token.

Authenticating is one indexed query (``find_by_hash``, the unique ``token_hash``).
A name is unique per kind among tokens not revoked: the partial unique index makes a
racing second insert a :class:`~awsconn.errors.ConcurrentWrite` that ``Database.run``
runs again, and the second attempt then finds the first token.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, Table, or_, select, text, update

from awsconn.errors import InternalError
from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository, scope_columns
from awsconn.store.rows import TokenRow
from awsconn.store.tables import ApiTokenRecord

__all__ = ["TokenRepository", "TokenRow"]

Tokens = ApiTokenRecord
# Arbitrary constant naming the first-admin-token bootstrap among PostgreSQL advisory locks.
_PG_BOOTSTRAP_LOCK = 0x61777363_0001


def within_scope(
    org_column: Any, project_column: Any, org: str | None, project: str | None
) -> builtins.list[ColumnElement[bool]]:
    """Rows whose scope is (org, project) or inside it: the whole account for no org."""
    o, p = scope_columns(org, project)
    conditions: builtins.list[ColumnElement[bool]] = []
    if o:
        conditions.append(org_column == o)
    if p:
        conditions.append(project_column == p)
    return conditions


class TokenRepository(Repository):
    """Rows of ``api_tokens``; ``kind`` is ``"api"`` or ``"delegate"``."""

    def _select(self, *where: ColumnElement[bool], lock: bool = False) -> TokenRow | None:
        stmt: Select[Any] = select(Tokens).where(*where)
        if lock and self._write:
            stmt = stmt.with_for_update()
        record = self._one(stmt)
        return TokenRow.of(record) if record is not None else None

    def create(
        self,
        *,
        id: str,
        kind: str,
        name: str,
        token_hash: str,
        prefix: str,
        role: str,
        org: str | None,
        project: str | None,
        access: bool,
        created_by: str,
        expires_at: datetime | None,
        description: str | None = None,
    ) -> TokenRow:
        """Insert a token; a live one of that kind and name already there is a Conflict
        (a ConcurrentWrite when another transaction inserted it first)."""
        o, p = scope_columns(org, project)
        record = Tokens(
            id=id,
            kind=kind,
            name=name,
            description=description,
            token_hash=token_hash,
            prefix=prefix,
            role=role,
            org=o,
            project=p,
            access=access,
            created_at=self._now(),
            created_by=created_by,
            expires_at=expires_at,
        )
        self._insert(record, f"a {kind} token named {name!r} exists already")
        row = self.find(id)
        if row is None:  # pragma: no cover - inserted just above in this transaction
            raise InternalError(f"token {id} vanished after its insert")
        return row

    def find(self, token_id: str) -> TokenRow | None:
        """The token with this id (revoked or not); locked in a write transaction."""
        return self._select(Tokens.id == token_id, lock=True)

    def find_live(self, *, kind: str, name: str) -> TokenRow | None:
        """The token of ``kind`` named ``name`` that is not revoked (it may have expired)."""
        return self._select(
            Tokens.kind == kind, Tokens.name == name, Tokens.revoked_at.is_(None), lock=True
        )

    def find_by_hash(self, token_hash: str) -> TokenRow | None:
        """One indexed lookup by the token's SHA-256 (hex), whatever its state."""
        table = cast(Table, Tokens.__table__)
        found = self._core(select(table).where(table.c.token_hash == token_hash))
        return TokenRow.of(found[0]) if found else None

    def list(
        self,
        *,
        kind: str,
        org: str | None = None,
        project: str | None = None,
        include_ended: bool = False,
        now: datetime | None = None,
    ) -> builtins.list[TokenRow]:
        """Tokens of ``kind`` in (org, project) and the scopes inside it, by name then age.

        Without ``include_ended`` only tokens neither revoked nor expired at ``now``.
        """
        stmt = select(Tokens).where(
            Tokens.kind == kind, *within_scope(Tokens.org, Tokens.project, org, project)
        )
        if not include_ended:
            moment = now or self._now()
            stmt = stmt.where(
                Tokens.revoked_at.is_(None),
                or_(Tokens.expires_at.is_(None), Tokens.expires_at > moment),
            )
        stmt = stmt.order_by(Tokens.name, Tokens.created_at, Tokens.id)
        with translated(self._where):
            return [TokenRow.of(r) for r in self._session.scalars(stmt)]

    def revoke(self, token_id: str, *, by: str, at: datetime | None = None) -> bool:
        """Mark the token revoked; False when it is unknown or revoked already."""
        stmt = (
            update(Tokens)
            .where(Tokens.id == token_id, Tokens.revoked_at.is_(None))
            .values(revoked_at=at or self._now(), revoked_by=by)
        )
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(cast(CursorResult[Any], result).rowcount)

    def touch(self, token_id: str, *, at: datetime, every: timedelta) -> bool:
        """Set ``last_used_at`` unless it was set less than ``every`` before ``at``.

        The condition is in the UPDATE itself, so requests racing each other write once.
        """
        stmt = (
            update(Tokens)
            .where(
                Tokens.id == token_id,
                or_(Tokens.last_used_at.is_(None), Tokens.last_used_at <= at - every),
            )
            .values(last_used_at=at)
        )
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(cast(CursorResult[Any], result).rowcount)

    def live_account_admin_exists(self, *, kind: str, role: str, now: datetime) -> bool:
        """Whether a token of ``kind`` with ``role`` in the account scope is live at ``now``."""
        stmt = (
            select(Tokens.id)
            .where(
                Tokens.kind == kind,
                Tokens.role == role,
                Tokens.org == "",
                Tokens.project == "",
                Tokens.revoked_at.is_(None),
                or_(Tokens.expires_at.is_(None), Tokens.expires_at > now),
            )
            .limit(1)
        )
        with translated(self._where):
            return self._session.scalars(stmt).first() is not None

    def lock_bootstrap(self) -> None:
        """Hold the bootstrap lock to the end of this write transaction.

        SQLite: the write transaction (``BEGIN IMMEDIATE``) holds the database's write lock
        already. PostgreSQL: a transaction-scoped advisory lock, so replicas starting
        together check for an admin token one after the other.
        """
        if not self._write:
            raise InternalError("the bootstrap lock needs a write transaction")
        if self._session.get_bind().dialect.name == "postgresql":
            with translated(self._where):
                self._session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_BOOTSTRAP_LOCK}
                )
