"""The OIDC issuer's signing keys: sealed private keys, public JWKs, rotation times.

Rows in and out are :class:`OidcKeyRow` (sealed bytes, never a private key in the
clear: sealing and opening are the service's, with the master key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository, check_timestamp
from awsconn.store.tables import OidcSigningKeyRecord

__all__ = ["OidcKeyRepository", "OidcKeyRow"]

Keys = OidcSigningKeyRecord


@dataclass(frozen=True)
class OidcKeyRow:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    published_until: datetime | None
    public_jwk: str
    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)

    @classmethod
    def of(cls, record: OidcSigningKeyRecord) -> OidcKeyRow:
        return cls(
            kid=record.kid,
            created_at=record.created_at,
            retired_at=record.retired_at,
            published_until=record.published_until,
            public_jwk=record.public_jwk,
            key_id=record.key_id,
            nonce=bytes(record.nonce),
            ciphertext=bytes(record.ciphertext),
        )


class OidcKeyRepository(Repository):
    """Keys by ``kid``; the signing key is the newest one not retired."""

    def add(
        self, *, kid: str, public_jwk: str, key_id: str, nonce: bytes, ciphertext: bytes
    ) -> OidcKeyRow:
        record = Keys(
            kid=kid,
            created_at=self._now(),
            retired_at=None,
            published_until=None,
            public_jwk=public_jwk,
            key_id=key_id,
            nonce=nonce,
            ciphertext=ciphertext,
        )
        self._insert(record, f"OIDC signing key {kid}")
        return OidcKeyRow.of(record)

    def signing(self) -> OidcKeyRow | None:
        """The newest key not retired (None before the first key is made)."""
        stmt = select(Keys).where(Keys.retired_at.is_(None))
        stmt = stmt.order_by(Keys.created_at.desc(), Keys.kid.desc()).limit(1)
        with translated(self._where):
            found = self._session.scalars(stmt).first()
        return OidcKeyRow.of(found) if found is not None else None

    def published(self, now: datetime) -> list[OidcKeyRow]:
        """Keys a verifier may need at ``now``: not retired, or retired but still within
        their overlap; the signing key(s) first, then newest first."""
        check_timestamp(now, "now")
        stmt = select(Keys).where(or_(Keys.published_until.is_(None), Keys.published_until > now))
        stmt = stmt.order_by(Keys.created_at.desc(), Keys.kid.desc())
        with translated(self._where):
            rows = [OidcKeyRow.of(r) for r in self._session.scalars(stmt)]
        return sorted(rows, key=lambda r: r.retired_at is not None)

    def retire_all(self, *, published_until: datetime) -> int:
        """Retire every key still signing (they stay published until ``published_until``)."""
        check_timestamp(published_until, "published_until")
        stmt = (
            update(Keys)
            .where(Keys.retired_at.is_(None))
            .values(retired_at=self._now(), published_until=published_until)
        )
        with translated(self._where):
            return int(self._session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]

    def every(self) -> list[OidcKeyRow]:
        """Every key kept (signing, or retired and still published), oldest first."""
        stmt = select(Keys).order_by(Keys.created_at, Keys.kid)
        with translated(self._where):
            return [OidcKeyRow.of(r) for r in self._session.scalars(stmt)]

    def reseal(
        self, kid: str, *, sealed_under: str, key_id: str, nonce: bytes, ciphertext: bytes
    ) -> bool:
        """Store the private key of ``kid`` sealed anew, when it is still sealed under the
        master key ``sealed_under`` (False when another re-seal came first)."""
        stmt = (
            update(Keys)
            .where(Keys.kid == kid, Keys.key_id == sealed_under)
            .values(key_id=key_id, nonce=nonce, ciphertext=ciphertext)
        )
        with translated(self._where):
            return bool(self._session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def forget_unpublished(self, now: datetime) -> int:
        """Delete retired keys past their overlap (no token they signed is valid any more)."""
        check_timestamp(now, "now")
        stmt = delete(Keys).where(Keys.published_until.is_not(None), Keys.published_until <= now)
        with translated(self._where):
            return int(self._session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
