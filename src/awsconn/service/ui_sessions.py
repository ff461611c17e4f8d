"""Web UI sessions: sign in with an API token, a session id for the browser, sign out.

The browser never holds the token: signing in authenticates it once
(:func:`~awsconn.service.tokens.authenticate`, its one message for every failure) and
issues a random session id (256 bits); the store keeps only the id's SHA-256 and the
token's id. Every request then finds the caller through the session: the session must be
within its end (:data:`SESSION_LIFETIME`, never past the token's own expiry) and its idle
limit (:data:`IDLE_LIMIT`), and the token must still be live, so revoking a token ends its
sessions at once. Every failure is the same Unauthenticated, which never says which part
was wrong. The CSRF token of a session is derived from its id (:func:`csrf_token`), so
nothing more is stored and another session's token never fits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from awsconn.errors import StoreCorrupt, StoreUnavailable, Unauthenticated
from awsconn.model import Scope
from awsconn.service.access import Caller, Role
from awsconn.service.tokens import TokenRuntime, authenticate

if TYPE_CHECKING:
    from awsconn.store.rows import TokenRow

__all__ = [
    "IDLE_LIMIT",
    "SESSION_LIFETIME",
    "OpenedSession",
    "csrf_token",
    "session_caller",
    "sign_in",
    "sign_out",
]

SESSION_LIFETIME = timedelta(hours=12)
"""The longest a session lasts from sign-in, however busy."""
IDLE_LIMIT = timedelta(hours=1)
"""A session unused for this long has ended."""
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often."""
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}\Z")
_ENDED = "the session has ended or was never valid"
_ENDED_HINT = "sign in again with an API token"
_DELEGATE = "a delegate token cannot sign in to the web UI"
_DELEGATE_HINT = "sign in with an API token (viewer, editor or admin)"


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the id for the browser's cookie (shown nowhere else), who signed in
    and when the session ends."""

    session_id: str = field(repr=False)
    caller: Caller
    expires_at: datetime


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def csrf_token(session_id: str) -> str:
    """The session's CSRF token: an HMAC of a fixed label under the session id (known only
    to the page the server rendered for that session)."""
    mac = hmac.new(session_id.encode("ascii"), b"awsconn-ui-csrf", hashlib.sha256)
    return mac.hexdigest()


def sign_in(runtime: TokenRuntime, token: str, *, address: str | None = None) -> OpenedSession:
    """Open a session for an API token's holder (Unauthenticated as ``authenticate`` says;
    a delegate token is refused). Sessions that ended are removed on the way."""
    caller = authenticate(runtime, token, address=address)
    if caller.role is Role.DELEGATE:
        raise Unauthenticated(_DELEGATE, hint=_DELEGATE_HINT)
    assert caller.token_id is not None  # a token's caller always has its id
    session_id = secrets.token_urlsafe(32)
    now = runtime.clock()
    with runtime.db.transaction() as tx:
        row = tx.tokens.find(caller.token_id)
        if row is None:  # revoked and gone between the two reads: as any failure
            raise Unauthenticated(_ENDED, hint=_ENDED_HINT)
        ends = now + SESSION_LIFETIME
        if row.expires_at is not None and row.expires_at < ends:
            ends = row.expires_at
        tx.ui_sessions.delete_ended(now=now, idle=IDLE_LIMIT)
        tx.ui_sessions.create(id_hash=_digest(session_id), token_id=row.id, expires_at=ends)
    return OpenedSession(session_id, caller, ends)


def _live(row: TokenRow | None, now: datetime) -> bool:
    return (
        row is not None
        and row.kind == "api"
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )


def session_caller(
    runtime: TokenRuntime, session_id: str | None, *, address: str | None = None
) -> Caller:
    """The caller a browser's session id stands for, or Unauthenticated (the same message
    whether the id is unknown, malformed, past its end, idle too long, or its token was
    revoked or expired)."""
    if session_id is None or not _SESSION_ID.match(session_id):
        raise Unauthenticated(_ENDED, hint=_ENDED_HINT)
    digest = _digest(session_id)
    with runtime.db.transaction(write=False) as tx:
        session = tx.ui_sessions.find(digest)
        token = tx.tokens.find(session.token_id) if session is not None else None
    now = runtime.clock()
    if (
        session is None
        or token is None
        or session.expires_at <= now
        or now - session.last_seen_at >= IDLE_LIMIT
        or not _live(token, now)
    ):
        raise Unauthenticated(_ENDED, hint=_ENDED_HINT)
    try:
        role, scope = Role(token.role), Scope(token.org, token.project)
    except ValueError:
        raise StoreCorrupt(
            f"token {token.id} grants a role or scope awsconn never writes",
            hint="the database was edited outside awsconn; revoke the token and make another",
        ) from None
    if now - session.last_seen_at >= TOUCH_EVERY:
        try:
            with runtime.db.transaction() as tx:
                tx.ui_sessions.touch(digest, at=now, every=TOUCH_EVERY)
        except StoreUnavailable:
            pass  # the request goes on; the session's last use is written next time
    return Caller(
        name=token.name,
        role=role,
        scope=scope,
        access=token.access,
        token_id=token.id,
        address=address,
    )


def sign_out(runtime: TokenRuntime, session_id: str | None) -> None:
    """End a session (nothing happens for an id that names none)."""
    if session_id is None or not _SESSION_ID.match(session_id):
        return
    with runtime.db.transaction() as tx:
        tx.ui_sessions.delete(_digest(session_id))
