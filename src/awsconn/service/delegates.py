"""Delegates: registration, the init-script report, leaving, the list, and routing.

A delegate is an agent in the customer's network holding a delegate token (the
``delegate`` role: ``delegate:work`` and nothing else). Each start registers a new
instance (its id is the instance's own; a token may serve many). It counts as
**connected**, and takes tasks, once it has registered, its init script has ended well
(or it has none), it has reported its capabilities, and its last heartbeat is within
:data:`HEARTBEAT_WINDOW`. Every call a delegate makes names its instance id; an id
registered with another token is not found, so a delegate token acts only as the
delegates it registered.

Routing (:func:`eligible`): a connector's task goes to a connected delegate whose tags
include **all** the connector's ``delegateSelectors`` and whose capabilities include the
task's kind (and, for ``InheritFromDelegate``/``Irsa``, the identity
``identity:InheritFromDelegate``/``identity:Irsa``). What a delegate must offer is
written on the task as ``requires`` (``tag:NAME``, ``capability:NAME``), so a claim
filters in SQL.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import Forbidden, NotFound, Problem, ValidationFailed
from awsconn.model import Connector, Scope
from awsconn.model.results import DelegateInfo, DelegateStatus, Failure
from awsconn.model.text_rules import MAX_CAPABILITIES, MAX_SELECTOR_CHARS, MAX_TAGS
from awsconn.model.validation import Collector
from awsconn.service.access import Permission
from awsconn.service.audit import AuditDetail, AuditTarget, audited
from awsconn.store.rows import KEEP
from awsconn.timeouts import TimeoutRange

if TYPE_CHECKING:
    from awsconn.service.context import AppContext
    from awsconn.store.database import Transaction
    from awsconn.store.task_rows import DelegateRow

__all__ = [
    "FORGET_AFTER",
    "HEARTBEAT_EVERY",
    "HEARTBEAT_WINDOW",
    "IDENTITY_CAPABILITIES",
    "LEASE",
    "LEASE_SETTING",
    "TASK_KINDS",
    "Refusal",
    "Routing",
    "connected_delegates",
    "disconnect",
    "eligible",
    "heartbeat_every",
    "info_of",
    "lease_of",
    "list_delegates",
    "offered_by",
    "own_delegate",
    "register",
    "report_init",
    "requirements",
    "route",
    "unavailable",
]

HEARTBEAT_EVERY = timedelta(seconds=15)
"""How often a delegate heartbeats (told to it with each task)."""
HEARTBEAT_WINDOW = timedelta(seconds=60)
"""A delegate silent for longer is not connected (and takes no task)."""
LEASE = timedelta(seconds=45)
"""A running task's lease; each heartbeat (and the claim) renews it from that moment
(``AWSCONN_TASK_LEASE_SECONDS`` sets another, see :func:`lease_of`)."""
LEASE_SETTING = "AWSCONN_TASK_LEASE_SECONDS"
LEASE_RANGE = TimeoutRange(minimum=3.0, maximum=600.0, default=LEASE.total_seconds())
FORGET_AFTER = timedelta(days=1)
"""A delegate silent for longer is removed from the list by the reaper."""
TASK_KINDS = ("connection-test", "regions", "permission-check", "credentials")
IDENTITY_CAPABILITIES = {
    "InheritFromDelegate": "identity:InheritFromDelegate",
    "Irsa": "identity:Irsa",
}
"""The capability a delegate reports when it holds that kind of AWS identity of its own."""

MAX_OUTPUT_CHARS = 4096
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}\Z")
_NAME_RULE = "1-128 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
_CAPABILITY = re.compile(r"^[a-z][a-z0-9-]{0,31}(:[A-Za-z0-9][A-Za-z0-9.+-]{0,63})?\Z")
_CAPABILITY_RULE = (
    f"a task kind ({', '.join(TASK_KINDS)}), an identity "
    f"({', '.join(IDENTITY_CAPABILITIES.values())}), or NAME[:VALUE] (NAME: lower-case "
    "letters, digits and '-'; VALUE: letters, digits, '.', '+' and '-', e.g. aws-cli:2.15.30)"
)
_ID = re.compile(r"^[0-9a-f]{32}\Z")
_OUTPUT_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def lease_of(ctx: AppContext) -> timedelta:
    """This server's task lease: ``AWSCONN_TASK_LEASE_SECONDS`` (3 to 600), else
    :data:`LEASE`. A delegate that dies holding a task loses it after this long."""
    raw = ctx.environ.get(LEASE_SETTING, "").strip()
    if not raw:
        return LEASE
    try:
        value: object = float(raw)
    except ValueError:
        value = raw
    return timedelta(seconds=LEASE_RANGE.check(value, setting=LEASE_SETTING))


def heartbeat_every(lease: timedelta) -> timedelta:
    """How often a delegate heartbeats under ``lease``: three times per lease, at most
    every :data:`HEARTBEAT_EVERY`."""
    return min(HEARTBEAT_EVERY, lease / 3)


# -- what a delegate is, read from its row --------------------------------------------


def _status(row: DelegateRow, now: datetime) -> tuple[DelegateStatus, str | None]:
    if row.state == "disconnected":
        return "disconnected", "it disconnected"
    if row.init_status == "pending":
        return "initializing", "its init script has not reported yet"
    if row.init_status == "failed":
        return "init-failed", f"its init script failed (exit {row.init_exit_code})"
    if row.capabilities is None:
        return "initializing", "it has not reported its capabilities"
    silent = now - row.last_heartbeat
    if silent > HEARTBEAT_WINDOW:
        return "silent", f"no heartbeat for {int(silent.total_seconds())} s"
    return "connected", None


def info_of(row: DelegateRow, now: datetime, running: Sequence[str] = ()) -> DelegateInfo:
    """A stored delegate as the list shows it, connected or not at ``now`` (and why),
    with the tasks it runs (``running``, when the caller read them)."""
    status, reason = _status(row, now)
    return DelegateInfo(
        id=row.id,
        name=row.name,
        host_name=row.host_name,
        token_id=row.token_id,
        tags=list(row.tags),
        capabilities=list(row.capabilities) if row.capabilities is not None else None,
        version=row.version,
        init_status=row.init_status,  # type: ignore[arg-type]
        init_exit_code=row.init_exit_code,
        init_output=row.init_output,
        status=status,
        connected=status == "connected",
        reason=reason,
        registered_at=row.registered_at,
        last_heartbeat=row.last_heartbeat,
        running_tasks=list(running),
    )


def offered_by(info: DelegateInfo) -> list[str]:
    """What a delegate offers, in the form of a task's ``requires``."""
    return [f"tag:{t}" for t in info.tags] + [f"capability:{c}" for c in info.capabilities or ()]


# -- routing -----------------------------------------------------------------------------


def requirements(connector: Connector, kind: str) -> tuple[str, ...]:
    """What a delegate must offer to run ``kind`` for ``connector`` (a task's ``requires``)."""
    needs = [f"tag:{s}" for s in connector.delegate_selectors]
    needs.append(f"capability:{kind}")
    identity = IDENTITY_CAPABILITIES.get(connector.credential_type.value)
    if identity is not None:
        needs.append(f"capability:{identity}")
    return tuple(needs)


@dataclass(frozen=True)
class Refusal:
    """Why one delegate cannot run a task."""

    delegate: DelegateInfo
    missing_tags: tuple[str, ...] = ()
    missing_capabilities: tuple[str, ...] = ()
    not_connected: str | None = None

    def reason(self) -> str:
        parts = []
        if self.not_connected:
            parts.append(f"not connected: {self.not_connected}")
        if self.missing_tags:
            parts.append(f"lacks tags {', '.join(self.missing_tags)}")
        if self.missing_capabilities:
            parts.append(f"lacks capabilities {', '.join(self.missing_capabilities)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Routing:
    """Which delegates can run a task, and why each other one cannot."""

    requires: tuple[str, ...]
    matching: list[DelegateInfo] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def eligible(connector: Connector, kind: str, delegates: Sequence[DelegateInfo]) -> Routing:
    """Split ``delegates`` into those that can run ``kind`` for ``connector`` now (connected,
    every selector among their tags, the capabilities it needs) and the others, each with
    what it lacks. Pure: the caller reads the delegates."""
    return route(requirements(connector, kind), delegates)


def route(requires: Sequence[str], delegates: Sequence[DelegateInfo]) -> Routing:
    """:func:`eligible` for a task's stored ``requires``."""
    routing = Routing(tuple(requires))
    for info in delegates:
        offered = set(offered_by(info))
        lacking = [n for n in requires if n not in offered]
        tags = tuple(n.removeprefix("tag:") for n in lacking if n.startswith("tag:"))
        caps = tuple(n.removeprefix("capability:") for n in lacking if n.startswith("capability:"))
        if info.connected and not lacking:
            routing.matching.append(info)
        else:
            refusal = Refusal(info, tags, caps, None if info.connected else info.reason)
            routing.refused.append(refusal)
    return routing


_NAMED = 10  # delegates a failure names one by one; the rest are counted


def unavailable(connector: str, kind: str, routing: Routing) -> Failure:
    """DELEGATE_UNAVAILABLE naming the selectors, the capabilities needed, the connected
    delegates and what each lacks (and those registered but not connected, and why)."""
    needs = routing.requires
    selectors = ", ".join(n.removeprefix("tag:") for n in needs if n.startswith("tag:"))
    caps = ", ".join(n.removeprefix("capability:") for n in needs if n.startswith("capability:"))
    connected = [r for r in routing.refused if r.not_connected is None]
    others = [r for r in routing.refused if r.not_connected is not None]
    if connected:
        said = "; ".join(
            f"{r.delegate.name} ({r.delegate.id[:8]}) {r.reason()}" for r in connected[:_NAMED]
        )
        if len(connected) > _NAMED:
            said += f"; and {len(connected) - _NAMED} more"
        about = f"connected delegates: {said}"
    else:
        about = "no delegate is connected"
    if others:
        names = ", ".join(f"{r.delegate.name} ({r.not_connected})" for r in others[:_NAMED])
        more = f" and {len(others) - _NAMED} more" if len(others) > _NAMED else ""
        about += f"; registered but not connected: {names}{more}"
    return Failure(
        code="DELEGATE_UNAVAILABLE",
        message=(
            f"no connected delegate can run {kind} for {connector} "
            f"(delegateSelectors: {selectors or 'none'}; capabilities needed: {caps}): {about}"
        ),
        hint="start a delegate whose tags include every selector and that reports the "
        "capabilities needed, or change the connector's delegateSelectors",
    )


# -- validation --------------------------------------------------------------------------


def _checked_list(
    c: Collector, raw: Any, path: str, *, what: str, limit: int, pattern: re.Pattern[str] | None
) -> list[str] | None:
    items = c.sequence(raw, path, what=what, max_items=limit)
    if items is None:
        return None
    out: dict[str, None] = {}
    for i, item in enumerate(items):
        text = c.string(item, f"{path}[{i}]", allow_empty=False, max_length=MAX_SELECTOR_CHARS)
        if text is None:
            continue
        text = text.strip()
        if pattern is not None and not pattern.match(text):
            c.add(f"{path}[{i}]", f"is not a {what[:-1]}", given=text, allowed=_CAPABILITY_RULE)
            continue
        out[text] = None
    return list(out)


def _listed(value: Any) -> Any:
    """A tuple as a list; anything else as given (a string is not a list of tags)."""
    return list(value) if isinstance(value, tuple) else value


def _checked_capabilities(c: Collector, raw: Any, path: str) -> list[str] | None:
    return _checked_list(
        c, raw, path, what="capabilities", limit=MAX_CAPABILITIES, pattern=_CAPABILITY
    )


def _output_tail(text: str | None) -> str | None:
    """The end of an init script's output, bounded, with control characters (but line
    breaks and tabs) escaped: it is shown to people, never run."""
    if text is None:
        return None
    tail = text[-MAX_OUTPUT_CHARS:]
    return _OUTPUT_UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode(), tail)


def _check_id(delegate_id: object) -> str:
    if not isinstance(delegate_id, str) or not _ID.match(delegate_id):
        problem = Problem("delegateId", "is not a delegate id", given=delegate_id)
        raise ValidationFailed([problem], what="delegate")
    return delegate_id


# -- use cases ---------------------------------------------------------------------------


def _require_delegate_caller(ctx: AppContext) -> str:
    """The caller's token id, when it may do delegate work (a delegate token)."""
    caller = ctx.caller
    caller.require(Permission.DELEGATE_WORK, Scope())
    if caller.token_id is None:  # pragma: no cover - only tokens hold the delegate role
        raise Forbidden(f"{caller.name} holds no delegate token")
    return caller.token_id


def own_delegate(ctx: AppContext, tx: Transaction, delegate_id: str) -> DelegateRow:
    """The caller's own delegate (registered with its token), locked in ``tx``; NotFound
    for any other id (an id registered with another token is not revealed)."""
    token_id = _require_delegate_caller(ctx)
    row = tx.delegates.find(_check_id(delegate_id))
    if row is None or row.token_id != token_id:
        raise NotFound(
            f"delegate {delegate_id} is not registered with this token",
            hint="register again: a delegate's id comes from its registration",
        )
    return row


def register(
    ctx: AppContext,
    *,
    name: str,
    tags: Sequence[str],
    version: str,
    capabilities: Sequence[str] | None = None,
    init_script: bool = False,
    host_name: str | None = None,
) -> DelegateInfo:
    """Register a delegate instance as the calling delegate token; its id is in the answer.

    ``capabilities`` may come now or with :func:`report_init` (None: not yet);
    ``init_script`` says an init script runs first (it is not connected until
    :func:`report_init`). Audited as ``delegate.register``.
    """
    c = Collector("delegate")
    clean_name = c.string(name, "name", required=True, max_length=128)
    if clean_name is not None and not _NAME.match(clean_name):
        c.add("name", "is not a delegate name", given=clean_name, allowed=_NAME_RULE)
    clean_tags = _checked_list(c, _listed(tags), "tags", what="tags", limit=MAX_TAGS, pattern=None)
    caps = (
        None
        if capabilities is None
        else _checked_capabilities(c, _listed(capabilities), "capabilities")
    )
    clean_version = c.string(version, "version", required=True, allow_empty=False, max_length=64)
    host = c.string(host_name, "hostName", max_length=256)
    target = AuditTarget("delegate", clean_name or "-")
    with audited(ctx, "delegate.register", target) as event:
        token_id = _require_delegate_caller(ctx)
        c.raise_if_any()
        assert clean_name is not None and clean_version is not None
        event.detail = AuditDetail(token_id=token_id, token_kind="delegate")
        with ctx.db.transaction() as tx:
            row = tx.delegates.create(
                id=secrets.token_hex(16),
                name=clean_name,
                token_id=token_id,
                host_name=host,
                tags=clean_tags or [],
                capabilities=caps,
                version=clean_version,
                init_status="pending" if init_script else "none",
            )
            event.write(tx)
    return info_of(row, ctx.clock())


def report_init(
    ctx: AppContext,
    delegate_id: str,
    *,
    exit_status: int,
    output_tail: str | None = None,
    capabilities: Sequence[str] | None = None,
) -> DelegateInfo:
    """How the delegate's init script ended (exit 0: it may take tasks), the end of its
    output (kept bounded, shown to people) and, when given, its capabilities."""
    c = Collector("delegate")
    code = c.integer(exit_status, "exitStatus", minimum=-(2**31), maximum=2**31 - 1)
    caps = (
        None
        if capabilities is None
        else _checked_capabilities(c, _listed(capabilities), "capabilities")
    )
    if output_tail is not None and not isinstance(output_tail, str):
        c.add("outputTail", "must be a string", given=type(output_tail).__name__)
    c.raise_if_any()
    now = ctx.clock()
    with ctx.db.transaction() as tx:
        own_delegate(ctx, tx, delegate_id)
        tx.delegates.report_init(
            delegate_id,
            status="succeeded" if code == 0 else "failed",
            exit_code=code,
            output=_output_tail(output_tail),
            capabilities=caps if capabilities is not None else KEEP,
            now=now,
        )
        row = tx.delegates.find(delegate_id)
    assert row is not None
    return info_of(row, now)


def disconnect(ctx: AppContext, delegate_id: str) -> DelegateInfo:
    """The delegate leaves: it takes no more tasks and those it runs go back to the queue
    at once (attempt counted), for another delegate."""
    from awsconn.service.task_signals import Change, announce

    with ctx.db.transaction() as tx:
        own_delegate(ctx, tx, delegate_id)
        tx.delegates.disconnect(delegate_id)
        for task in tx.tasks.owned(delegate_id):
            tx.tasks.requeue(task.id, owner=delegate_id)
        announce(ctx, tx, Change.QUEUED)
        row = tx.delegates.find(delegate_id)
    assert row is not None
    return info_of(row, ctx.clock())


_MAX_RUNNING_LISTED = 100_000


def list_delegates(
    ctx: AppContext, *, connected_only: bool = False, scope: Scope | None = None
) -> list[DelegateInfo]:
    """Registered delegates by name, each connected or not (and why), with the tasks each
    runs now; ``delegate:view`` in ``scope`` (default: the caller's own). Delegates serve
    the whole account, so every scope sees them all."""
    ctx.caller.require(Permission.DELEGATE_VIEW, scope or ctx.caller.scope)
    now = ctx.clock()
    with ctx.db.transaction(write=False) as tx:
        rows = tx.delegates.list()
        running = tx.tasks.list(states=("running",), limit=_MAX_RUNNING_LISTED) if rows else []
    by_owner: dict[str, list[str]] = {}
    for task in running:
        if task.owner is not None:
            by_owner.setdefault(task.owner, []).append(task.id)
    infos = [info_of(r, now, sorted(by_owner.get(r.id, ()))) for r in rows]
    return [i for i in infos if i.connected] if connected_only else infos


def connected_delegates(
    ctx: AppContext, tx: Transaction, *, now: datetime | None = None
) -> list[DelegateInfo]:
    """Every delegate heard from within the window before ``now``, as ``info_of`` sees it
    (no permission asked: routing of a task the caller may submit)."""
    now = now or ctx.clock()
    rows = tx.delegates.list(seen_since=now - HEARTBEAT_WINDOW)
    return [info_of(r, now) for r in rows]
