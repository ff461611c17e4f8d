"""API and delegate tokens, the use cases: create, list, revoke, authenticate, bootstrap.

Token administration needs ``token:admin`` in the token's scope; a caller cannot mint a
role above its own or a scope outside its own. A
revoked or expired token authenticates nothing; every failure to authenticate is the same
:class:`~awsconn.errors.Unauthenticated`, which never says what was wrong nor echoes the
token. Delegate tokens (kind ``delegate``) hold the delegate role in the account scope.
What a token is (text, hash, expiry, :class:`TokenInfo`) lives in ``token_values.py``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from awsconn.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    StoreCorrupt,
    StoreUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from awsconn.model import Scope
from awsconn.model.clock import Clock
from awsconn.model.results import CallerInfo
from awsconn.service.access import Caller, Permission, Role
from awsconn.service.audit import AuditDetail, AuditTarget, audited
from awsconn.service.token_values import (
    DEFAULT_EXPIRES,
    MAX_LIFETIME,
    TOKEN_PREFIX,
    IssuedToken,
    TokenInfo,
    TokenKind,
    TokenStatus,
    check_description,
    check_name,
    check_token_id,
    display_prefix,
    expiry_of,
    new_token,
    role_of,
    scope_of_text,
    scope_text,
    shaped_like_a_token,
    token_hash,
    token_info,
    token_problems,
)

if TYPE_CHECKING:
    from awsconn.service.context import AppContext
    from awsconn.store.access import Store
    from awsconn.store.database import Database, Transaction
    from awsconn.store.rows import TokenRow

__all__ = [
    "ADMIN_TOKEN_FILE",
    "BOOTSTRAP_NAME",
    "DEFAULT_EXPIRES",
    "LAST_USED_EVERY",
    "MAX_LIFETIME",
    "TOKEN_PREFIX",
    "IssuedToken",
    "TokenInfo",
    "TokenKind",
    "TokenRuntime",
    "TokenStatus",
    "admin_token_path",
    "authenticate",
    "create_delegate_token",
    "create_token",
    "ensure_admin_token",
    "expiry_of",
    "identify",
    "list_tokens",
    "record_use",
    "revoke_token",
    "scope_of_text",
    "token_hash",
    "whoami",
]

LAST_USED_EVERY = timedelta(minutes=1)
BOOTSTRAP_NAME = "bootstrap-admin"
ADMIN_TOKEN_FILE = "admin-token"
_NOT_VALID = "no valid API token was presented"
_NOT_VALID_HINT = "present a current token; an admin can create or renew one"
_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}
_TARGET_KIND = {TokenKind.API: "token", TokenKind.DELEGATE: "delegate-token"}
_ACTION_NOUN = {TokenKind.API: "token", TokenKind.DELEGATE: "delegate_token"}

log = logging.getLogger("awsconn.tokens")
_T = TypeVar("_T")


def _require_ceiling(caller: Caller, role: Role) -> None:
    """A caller mints no role above its own (viewer < editor < admin)."""
    if _RANK.get(role, len(_RANK)) > _RANK.get(caller.role, -1):
        raise Forbidden(
            f"{caller.name} may not create a token with the {role.value} role: "
            f"its own role is {caller.role.value}",
            hint="ask an admin for a token with that role",
        )


def create_token(
    ctx: AppContext,
    *,
    name: str,
    role: Role | str,
    scope: Scope | str | None = None,
    access: bool = False,
    expires: str | datetime | None = DEFAULT_EXPIRES,
    kind: TokenKind = TokenKind.API,
    description: str | None = None,
) -> IssuedToken:
    """Make a token; the text is returned here once and stored only as its hash.

    ``description`` is free text for people (Harness's limit, 1,024 characters). API
    tokens hold viewer, editor or admin in ``scope`` (``ORG[/PROJECT]``, default the
    account); delegate tokens hold the delegate role in the account. Names are unique per
    kind among live tokens (an expired holder gives its name up). Needs ``token:admin``
    in the scope, and no role above the caller's own. Audited as
    ``token.create`` (``delegate_token.create``).
    """
    now = ctx.clock()
    pasted = token_problems(
        name=name, role=role, scope=scope, expires=expires, description=description
    )
    if pasted:
        raise ValidationFailed(pasted, what="token")
    problems: list[Problem] = []

    def collect(check: Callable[[], _T]) -> _T | None:
        try:
            return check()
        except ValidationFailed as exc:
            problems.extend(exc.problems)
            return None

    collect(lambda: check_name(name))
    wanted = collect(lambda: role_of(role, kind))
    where = scope if isinstance(scope, Scope) else collect(lambda: scope_of_text(scope))
    expires_at = collect(lambda: expiry_of(expires, now=now))
    about = collect(lambda: check_description(description))
    if kind is TokenKind.DELEGATE and (where not in (None, Scope()) or access):
        problems.append(Problem("scope", "a delegate token holds no scope and no access"))
    if problems:
        raise ValidationFailed(problems, what="token")
    assert wanted is not None and where is not None
    caller = ctx.caller
    target = AuditTarget(_TARGET_KIND[kind], name, where)
    with audited(ctx, f"{_ACTION_NOUN[kind]}.create", target) as event:
        if kind is TokenKind.API:
            _require_ceiling(caller, wanted)
        caller.require(Permission.TOKEN_ADMIN, where)
        token = new_token()

        def work(tx: Transaction) -> TokenRow:
            _free_name(tx, kind, name, caller, now)
            row = tx.tokens.create(
                id=secrets.token_hex(8),
                kind=kind.value,
                name=name,
                token_hash=token_hash(token),
                prefix=display_prefix(token),
                role=wanted.value,
                org=where.org,
                project=where.project,
                access=access,
                created_by=caller.name,
                expires_at=expires_at,
                description=about,
            )
            event.detail = AuditDetail(
                token_id=row.id,
                token_kind=kind.value,
                role=wanted.value,
                access=access,
                expires_at=expires_at,
            )
            event.write(tx)
            return row

        row = ctx.db.run(work)
    return IssuedToken(token, token_info(row, now))


def create_delegate_token(
    ctx: AppContext, *, name: str, expires: str | datetime | None = "never"
) -> IssuedToken:
    """A delegate token (Harness's delegate tokens: named, no expiry unless asked)."""
    return create_token(
        ctx, name=name, role=Role.DELEGATE, expires=expires, kind=TokenKind.DELEGATE
    )


def _free_name(tx: Transaction, kind: TokenKind, name: str, caller: Caller, now: datetime) -> None:
    """Refuse a name a live token holds; an expired holder gives it up (marked revoked)."""
    holder = tx.tokens.find_live(kind=kind.value, name=name)
    if holder is None:
        return
    if holder.expires_at is not None and holder.expires_at <= now:
        tx.tokens.revoke(holder.id, by=caller.name, at=now)
        return
    raise Conflict(
        f"a live {kind.noun} named {name!r} exists already",
        hint="revoke it first, or choose another name",
    )


def list_tokens(
    ctx: AppContext,
    *,
    kind: TokenKind = TokenKind.API,
    include_ended: bool = False,
    scope: Scope | None = None,
) -> list[TokenInfo]:
    """Tokens of ``kind`` in ``scope`` (default: the caller's) and the scopes inside it;
    needs ``token:admin`` there. Only active ones unless ``include_ended``."""
    caller = ctx.caller
    where = caller.scope if scope is None else scope
    caller.require(Permission.TOKEN_ADMIN, where)
    now = ctx.clock()
    with ctx.db.transaction(write=False) as tx:
        rows = tx.tokens.list(
            kind=kind.value,
            org=where.org,
            project=where.project,
            include_ended=include_ended,
            now=now,
        )
    return [token_info(r, now) for r in rows]


def revoke_token(
    ctx: AppContext,
    *,
    name: str | None = None,
    token_id: str | None = None,
    kind: TokenKind = TokenKind.API,
    scope: Scope | None = None,
) -> TokenInfo:
    """Revoke a token by its name (the live one) or its id; it authenticates nothing from
    now on. Needs ``token:admin`` in ``scope`` (default: the caller's own); a token
    outside the caller's scope is not found. Revoking one twice is a Conflict. Audited
    as ``token.revoke``."""
    if (name is None) == (token_id is None):
        problem = Problem("name", "give the token's name or its id (one of them)")
        raise ValidationFailed([problem], what="token")
    if pasted := token_problems(name=name, id=token_id):
        raise ValidationFailed(pasted, what="token")
    if name is not None:
        check_name(name)
    if token_id is not None:
        check_token_id(token_id)
    caller = ctx.caller
    now = ctx.clock()
    wanted = f"named {name!r}" if name is not None else f"with id {token_id!r}"
    where = caller.scope if scope is None else scope
    target = AuditTarget(_TARGET_KIND[kind], name or f"id:{token_id}", where)
    with audited(ctx, f"{_ACTION_NOUN[kind]}.revoke", target) as event:
        caller.require(Permission.TOKEN_ADMIN, where)

        def work(tx: Transaction) -> TokenRow:
            if name is not None:
                row = tx.tokens.find_live(kind=kind.value, name=name)
            else:
                row = tx.tokens.find(str(token_id))
            scope = Scope(row.org, row.project) if row is not None else Scope()
            if row is None or row.kind != kind.value or not caller.visible(scope):
                raise NotFound(f"no live {kind.noun} {wanted} in {caller.scope.label()}")
            event.target = AuditTarget(_TARGET_KIND[kind], row.name, scope)
            event.detail = AuditDetail(token_id=row.id, token_kind=kind.value, role=row.role)
            if row.revoked_at is not None or not tx.tokens.revoke(row.id, by=caller.name, at=now):
                raise Conflict(f"{kind.noun} {row.name!r} ({row.id}) is revoked already")
            event.write(tx)
            found = tx.tokens.find(row.id)
            assert found is not None  # locked by this transaction
            return found

        row = ctx.db.run(work)
    return token_info(row, now)


class TokenRuntime(Protocol):
    """What authenticating needs: the store and the database, the clock (an AppContext
    and a Runtime have them)."""

    @property
    def store(self) -> Store: ...

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


def authenticate(runtime: TokenRuntime, token: str, *, address: str | None = None) -> Caller:
    """The caller a token stands for, or Unauthenticated with one message for every reason
    (unknown, malformed, revoked, expired): it never says which, never echoes the token.

    One indexed point read by the token's hash (:func:`identify`); ``last_used_at`` is
    written at most once per :data:`LAST_USED_EVERY` per token (:func:`record_use`), and a
    failure to write it does not refuse the token.
    """
    caller, due = identify(runtime, token, address=address)
    if due is not None and caller.token_id is not None:
        record_use(runtime, caller.token_id, due)
    return caller


def identify(
    runtime: TokenRuntime, token: str, *, address: str | None = None
) -> tuple[Caller, datetime | None]:
    """:func:`authenticate` without its write: the caller, and the moment to record as
    the token's last use when one is due (None when it was recorded lately). Only reads:
    on a SQLite file one stdlib point read (the server's gate runs it inline then)."""
    if not shaped_like_a_token(token):
        raise Unauthenticated(_NOT_VALID, hint=_NOT_VALID_HINT)
    digest = token_hash(token)
    with runtime.store.reading() as reads:
        row = reads.tokens.find_by_hash(digest)
    now = runtime.clock()
    if (
        row is None
        or not hmac.compare_digest(row.token_hash, digest)
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
    ):
        raise Unauthenticated(_NOT_VALID, hint=_NOT_VALID_HINT)
    try:
        role, scope = Role(row.role), Scope(row.org, row.project)
    except ValueError:
        raise StoreCorrupt(
            f"token {row.id} grants a role or scope awsconn never writes",
            hint="the database was edited outside awsconn; revoke the token and make another",
        ) from None
    due = now if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY else None
    caller = Caller(
        name=row.name,
        role=role,
        scope=scope,
        access=row.access,
        token_id=row.id,
        address=address,
    )
    return caller, due


def whoami(ctx: AppContext) -> CallerInfo:
    """Who ``ctx`` runs as: the token's holder (its name, kind, role, scope, access, id)
    or the local store's owner; needs nothing but being authenticated."""
    caller = ctx.caller
    kind: Literal["api", "delegate", "local"] = "local"
    if caller.token_id is not None:
        kind = "delegate" if caller.role is Role.DELEGATE else "api"
    return CallerInfo(
        name=caller.name,
        kind=kind,
        role=caller.role.value,
        scope=scope_text(caller.scope),
        access=Permission.CONNECTOR_ACCESS in caller.permissions,
        token_id=caller.token_id,
        permissions=sorted(p.value for p in caller.permissions),
    )


def record_use(runtime: TokenRuntime, token_id: str, now: datetime) -> None:
    """Record ``now`` as the token's last use (a write; a failure is logged, not raised)."""
    try:
        with runtime.db.transaction() as tx:
            tx.tokens.touch(token_id, at=now, every=LAST_USED_EVERY)
    except (StoreUnavailable, Conflict) as exc:
        log.warning("last use of token %s not recorded: %s", token_id, exc.message)


def admin_token_path(ctx: AppContext) -> Path:
    """Where the bootstrap writes the first admin token: ``$AWSCONN_HOME/admin-token``."""
    return ctx.home / ADMIN_TOKEN_FILE


def ensure_admin_token(ctx: AppContext, path: Path | None = None) -> str | None:
    """Make the first admin token when no live admin token holds the account scope.

    Once, however many processes start together: the check and the insert run under the
    bootstrap lock (PostgreSQL advisory lock; SQLite's write lock), and the token is
    written (0600) to ``path`` (default ``$AWSCONN_HOME/admin-token``) before the
    transaction commits, so a failed write makes nothing. Returns the token for the one
    process that made it (to print once), None everywhere else. Audited as
    ``token.bootstrap``; needs ``token:admin`` in the account (the store's owner has it).
    """
    from awsconn.store.home import ensure_private_dir, write_private_file

    caller = ctx.caller
    caller.require(Permission.TOKEN_ADMIN, Scope())
    file = path if path is not None else admin_token_path(ctx)
    target = AuditTarget("token", BOOTSTRAP_NAME, Scope())

    def work(tx: Transaction) -> str | None:
        tx.tokens.lock_bootstrap()
        now = ctx.clock()
        admin = Role.ADMIN.value
        if tx.tokens.live_account_admin_exists(kind=TokenKind.API.value, role=admin, now=now):
            return None
        _free_name(tx, TokenKind.API, BOOTSTRAP_NAME, caller, now)
        token = new_token()
        row = tx.tokens.create(
            id=secrets.token_hex(8),
            kind=TokenKind.API.value,
            name=BOOTSTRAP_NAME,
            token_hash=token_hash(token),
            prefix=display_prefix(token),
            role=admin,
            org=None,
            project=None,
            access=True,
            created_by=caller.name,
            expires_at=None,
            description="the first admin token: no live admin token held the account",
        )
        try:
            ensure_private_dir(file.parent, "the admin token's folder", ctx.warn)
            write_private_file(file, token + "\n")
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot write the admin token to {file}: {exc.strerror or exc}",
                hint="make its folder writable (or set AWSCONN_HOME); nothing was created",
            ) from None
        event.detail = AuditDetail(
            token_id=row.id, token_kind=TokenKind.API.value, role=admin, access=True
        )
        event.write(tx)
        return token

    with audited(ctx, "token.bootstrap", target) as event:
        token = ctx.db.run(work)
        if token is None:
            event.skip()  # an admin token exists: nothing happened, nothing to record
    return token
