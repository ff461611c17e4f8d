"""The audit log: every write and every credential issued, who did it, from where, how it went.

A use case is wrapped in one line::

    with audited(ctx, "connector.create", AuditTarget.of("connector", ref)) as event:
        row = ...                       # the use case, unchanged
        event.version = row.version     # optional: the connector version written
        event.detail = AuditDetail(credential_type="ManualConfig")

and the event is recorded when the block ends: ``ok``, ``denied`` (Forbidden or
Unauthenticated raised inside) or ``failed`` (anything else; its error code kept), with
the caller's name, token id and address from ``ctx.caller``. ``event.write(tx)`` inside
the use case's own write transaction records the ``ok`` row atomically with the write;
otherwise it is appended in a transaction of its own after the block. A use case that
writes several targets in one transaction (an import) calls ``record_in(tx, ...)`` per
target instead.

``detail`` is an :class:`AuditDetail`: a fixed set of fields holding ids, enumerations,
counts and flags, each checked against a narrow pattern. There is no free-text field,
so no secret value has a place in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic.alias_generators import to_camel

from awsconn.errors import (
    UNPRINTABLE,
    AwsconnError,
    Forbidden,
    InternalError,
    Problem,
    StoreUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from awsconn.model import EntityRef, Scope
from awsconn.model.clock import iso_z
from awsconn.model.results import AuditEntry, AuditPage
from awsconn.model.results import AuditTarget as AuditTargetModel
from awsconn.service.access import Permission
from awsconn.service.time_spans import SPAN_FORMS, parse_moment, parse_span
from awsconn.service.token_values import holds_a_token, token_problems

if TYPE_CHECKING:
    from awsconn.service.context import AppContext
    from awsconn.store.database import Transaction
    from awsconn.store.rows import AuditRow

__all__ = [
    "FAILURE_WAIT_S",
    "MAX_PAGE",
    "AuditDetail",
    "AuditEntry",
    "AuditEvent",
    "AuditPage",
    "AuditTarget",
    "Outcome",
    "audited",
    "list_audit",
    "moment_of",
    "record",
    "record_in",
]

MAX_PAGE = 1000
FAILURE_WAIT_S = 1.0
"""How long recording a failure waits for a busy store (SQLite's lock) when the use case
itself failed because the store was busy: it has waited the full busy timeout once."""
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*)+\Z")
_ACTION_FILTER = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*)*(\.\*)?\Z")
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,31}\Z")
_MAX_REF = 400
_MAX_ADDRESS = 64


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"  # the caller's role does not allow it, or no valid token
    FAILED = "failed"  # allowed, but it did not happen (bad input, conflict, AWS, ...)


def _bounded(text: str, limit: int) -> str:
    """Printable and at most ``limit`` characters: a log row stays small and readable."""
    escaped = UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


@dataclass(frozen=True)
class AuditTarget:
    """What an action was done to: a kind (``connector``, ``secret``, ``token``, ...), its
    reference as people write it, and the scope it lives in (which admins may read it)."""

    kind: str
    ref: str
    scope: Scope = field(default_factory=Scope)

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise InternalError(f"audit target kind {self.kind!r} is not a lower-case word")
        object.__setattr__(self, "ref", _bounded(str(self.ref), _MAX_REF))

    @classmethod
    def of(cls, kind: str, ref: EntityRef) -> AuditTarget:
        """A scoped entity (connector, secret) by its reference."""
        return cls(kind, str(ref), ref.scope)


# Each string field of AuditDetail and the pattern its values must match.
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}\Z")
_PATTERNS: dict[str, re.Pattern[str]] = {
    "token_id": re.compile(r"^[0-9a-f]{16}\Z"),
    "token_kind": re.compile(r"^(api|delegate)\Z"),
    "role": re.compile(r"^(viewer|editor|admin|delegate)\Z"),
    "error_code": _CODE,
    "credential_type": re.compile(r"^[A-Za-z]{1,32}\Z"),
    "status": _CODE,
    "key_id": re.compile(r"^[A-Za-z0-9._-]{1,64}\Z"),  # a master key's id
    "region": re.compile(r"^[a-z0-9-]{1,32}\Z"),
    "changed": re.compile(r"^[A-Za-z0-9_.$\[\]-]{1,200}\Z"),
    "capabilities": re.compile(r"^[a-z0-9-]{1,64}\Z"),
}
_MAX_LIST = 64


@dataclass(frozen=True)
class AuditDetail:
    """The only things an audit event's detail may say: ids, enumerations, counts, flags.

    Every text value must match its field's pattern (identifiers, upper-case codes, field
    paths); a value that does not is a bug in the caller (InternalError), never stored.
    """

    token_id: str | None = None
    token_kind: str | None = None
    role: str | None = None
    access: bool | None = None
    expires_at: datetime | None = None
    error_code: str | None = None
    credential_type: str | None = None
    status: str | None = None  # a connection test's status (SUCCESS, FAILURE, ...)
    key_id: str | None = None  # a master key's id
    region: str | None = None
    count: int | None = None  # connectors imported, secrets re-sealed, ...
    signing_keys: int | None = None  # OIDC signing keys re-sealed
    force: bool | None = None
    dry_run: bool | None = None
    changed: tuple[str, ...] = ()  # field paths an update changed (never their values)
    capabilities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, pattern in _PATTERNS.items():
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            if isinstance(value, tuple) and len(value) > _MAX_LIST:
                raise InternalError(f"audit detail {name} lists more than {_MAX_LIST} items")
            for item in values:
                if item is None:
                    continue
                if not (isinstance(item, str) and pattern.match(item)) or holds_a_token(item):
                    raise InternalError(f"audit detail {name} has a value of the wrong form")
        for name in ("count", "signing_keys"):
            number = getattr(self, name)
            if number is not None and not (isinstance(number, int) and number >= 0):
                raise InternalError(f"audit detail {name} must be a whole number")

    def wire(self) -> dict[str, Any]:
        """The fields that are set, camelCase, as JSON values."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or value == ():
                continue
            if isinstance(value, datetime):
                value = _iso(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[to_camel(item.name)] = value
        return out


@dataclass
class AuditEvent:
    """The event a wrapped use case is building; set ``version`` and ``detail`` as known."""

    ctx: AppContext = field(repr=False)
    action: str
    target: AuditTarget
    version: int | None = None
    detail: AuditDetail | None = None
    _committed: bool = field(default=False, repr=False)
    _skipped: bool = field(default=False, repr=False)

    def skip(self) -> None:
        """The use case found nothing to do: a block that ends well records nothing."""
        self._skipped = True

    def write(self, tx: Transaction) -> None:
        """Record the ``ok`` row in ``tx``, the use case's own write transaction: it commits
        with the write or not at all (a transaction run again writes it again)."""
        _append(tx, self.ctx, self.action, self.target, Outcome.OK, self.version, self.detail)
        tx.after_commit(self._mark_committed)

    def _mark_committed(self) -> None:
        self._committed = True


def _check_action(action: str) -> None:
    if not _ACTION.match(action):
        raise InternalError(f"audit action {action!r} is not of the form noun.verb")


def record_in(
    tx: Transaction,
    ctx: AppContext,
    action: str,
    target: AuditTarget,
    outcome: Outcome = Outcome.OK,
    *,
    version: int | None = None,
    detail: AuditDetail | None = None,
) -> AuditEntry:
    """Append one event inside ``tx``, a use case's own write transaction: it commits with
    the use case's writes or not at all. For a use case that writes several targets at
    once (an import: one event per connector); one target is simpler with ``audited``."""
    return audit_entry(_append(tx, ctx, action, target, outcome, version, detail))


def _append(
    tx: Transaction,
    ctx: AppContext,
    action: str,
    target: AuditTarget,
    outcome: Outcome,
    version: int | None,
    detail: AuditDetail | None,
) -> AuditRow:
    _check_action(action)
    caller = ctx.caller
    address = _bounded(caller.address, _MAX_ADDRESS) if caller.address else None
    return tx.audit.append(
        actor=_bounded(caller.name, 256),
        actor_token=caller.token_id,
        address=address,
        action=action,
        target_kind=target.kind,
        target_ref=target.ref,
        target_org=target.scope.org,
        target_project=target.scope.project,
        version=version,
        outcome=outcome.value,
        detail=detail.wire() if detail is not None else None,
    )


def record(
    ctx: AppContext,
    action: str,
    target: AuditTarget,
    outcome: Outcome,
    *,
    version: int | None = None,
    detail: AuditDetail | None = None,
    busy_timeout_s: float | None = None,
) -> AuditEntry:
    """Append one event in a transaction of its own, as ``ctx.caller`` at the clock's time;
    ``busy_timeout_s``: how long to wait for a busy store (default: the store's own)."""
    with ctx.db.transaction(busy_timeout_s=busy_timeout_s) as tx:
        row = _append(tx, ctx, action, target, outcome, version, detail)
    return audit_entry(row)


def _error_code(exc: BaseException) -> str:
    code = exc.code if isinstance(exc, AwsconnError) else "INTERNAL"
    return code if _CODE.match(code) else "ERROR"


@contextmanager
def audited(ctx: AppContext, action: str, target: AuditTarget) -> Iterator[AuditEvent]:
    """Record how the block went (see the module docstring); exceptions pass through.

    A failure to record is reported through ``ctx.warn`` and never hides the use case's
    own outcome: its error still propagates, its result is still returned. A use case
    that failed because the store was busy (StoreUnavailable) has waited for it once:
    its failure is recorded with a short wait (:data:`FAILURE_WAIT_S`), and reported
    through ``ctx.warn`` when the store is still busy, rather than waiting a second time.
    """
    _check_action(action)
    event = AuditEvent(ctx, action, target)
    try:
        yield event
    except Exception as exc:
        outcome = Outcome.DENIED if isinstance(exc, Forbidden | Unauthenticated) else Outcome.FAILED
        detail = replace(event.detail or AuditDetail(), error_code=_error_code(exc))
        wait = FAILURE_WAIT_S if isinstance(exc, StoreUnavailable) else None
        _record_quietly(ctx, event, outcome, detail, busy_timeout_s=wait)
        raise
    if not (event._committed or event._skipped):
        _record_quietly(ctx, event, Outcome.OK, event.detail)


def _record_quietly(
    ctx: AppContext,
    event: AuditEvent,
    outcome: Outcome,
    detail: AuditDetail | None,
    *,
    busy_timeout_s: float | None = None,
) -> None:
    try:
        record(
            ctx,
            event.action,
            event.target,
            outcome,
            version=event.version,
            detail=detail,
            busy_timeout_s=busy_timeout_s,
        )
    except AwsconnError as exc:
        message = (
            f"the audit log did not record {event.action} of {event.target.kind} "
            f"{event.target.ref} ({outcome.value}): {exc.message}"
        )
        logging.getLogger("awsconn.audit").error("%s", message)
        ctx.warn(message)


def _iso(moment: datetime) -> str:
    return iso_z(moment)


def audit_entry(row: AuditRow) -> AuditEntry:
    """A stored event as the CLI (``-o json``) and the API show it."""
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        actor_token=row.actor_token,
        address=row.address,
        action=row.action,
        target=AuditTargetModel(
            kind=row.target_kind,
            ref=row.target_ref,
            org=row.target_org,
            project=row.target_project,
        ),
        version=row.version,
        outcome=Outcome(row.outcome).value,
        detail=dict(row.detail or {}),
    )


def moment_of(text: str, *, setting: str, now: datetime) -> datetime:
    """``since``/``until`` as typed: a span back from ``now`` (``24h``) or an ISO date/time."""
    if pasted := token_problems(**{setting: text}):
        raise ValidationFailed(pasted, what="audit query")
    span = parse_span(text)
    try:
        moment = now - span if span is not None else parse_moment(text)
    except OverflowError:
        moment = None
    if moment is None:
        raise ValidationFailed(
            [
                Problem(
                    setting,
                    "is not a time",
                    given=text,
                    allowed=f"{SPAN_FORMS} ago, or an ISO date or date and time",
                )
            ],
            what="audit query",
        )
    return moment


def list_audit(
    ctx: AppContext,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    target_kind: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    page_index: int | None = None,
    scope: Scope | None = None,
) -> AuditPage:
    """Events on targets in ``scope`` (default: the caller's) and inside it, newest first;
    needs ``audit:view`` there. ``action`` is exact or ``noun.*``; ``target`` is a
    reference as recorded (``eng/web/prod_aws``). Pages: ``cursor`` (a page's
    ``next_cursor``: stable while events are appended) or ``page_index`` (numbered pages
    of ``limit``, with ``total_items``, as Harness's page responses count them)."""
    caller = ctx.caller
    where = caller.scope if scope is None else scope
    caller.require(Permission.AUDIT_VIEW, where)
    problems = token_problems(actor=actor, action=action, target=target, cursor=cursor)
    if problems:
        raise ValidationFailed(problems, what="audit query")
    if action is not None and not _ACTION_FILTER.match(action):
        allowed = "an action (connector.create) or all of a noun (connector.*)"
        problems.append(Problem("action", "is not an action", given=action, allowed=allowed))
    if target_kind is not None and not _KIND.match(target_kind):
        problems.append(Problem("targetKind", "is not a target kind", given=target_kind))
    if not 1 <= limit <= MAX_PAGE:
        problems.append(Problem("limit", "is out of range", given=limit, allowed=f"1-{MAX_PAGE}"))
    before: int | None = None
    if cursor is not None:
        if cursor.isascii() and cursor.isdigit() and len(cursor) <= 18:
            before = int(cursor)
        else:
            problems.append(
                Problem("cursor", "is not a cursor", given=cursor, allowed="a page's nextCursor")
            )
    if page_index is not None and (cursor is not None or not 0 <= page_index <= 10**6):
        why = "goes with no cursor" if cursor is not None else "is out of range"
        problems.append(Problem("pageIndex", why, given=page_index, allowed="0-1000000"))
    if since is not None and until is not None and until <= since:
        problems.append(Problem("until", "is not after since", given=_iso(until)))
    if problems:
        raise ValidationFailed(problems, what="audit query")
    prefix = None
    if action is not None and action.endswith(".*"):
        prefix = action[:-1]
        action = None
    query: dict[str, Any] = {
        "org": where.org,
        "project": where.project,
        "since": since,
        "until": until,
        "actor": actor,
        "action": action,
        "action_prefix": prefix,
        "target_kind": target_kind,
        "target_ref": target,
    }
    total = None
    with ctx.db.transaction(write=False) as tx:
        offset = 0 if page_index is None else page_index * limit
        rows = tx.audit.list(before_id=before, limit=limit + 1, offset=offset, **query)
        if page_index is not None:
            total = tx.audit.count(**query)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        events=[audit_entry(r) for r in rows],
        next_cursor=str(rows[-1].id) if more else None,
        page_index=page_index,
        total_items=total,
    )
