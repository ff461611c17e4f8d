"""Status alerts: a plain JSON POST to a webhook when a connector goes SUCCESS→FAILURE or
FAILURE→SUCCESS.

The webhook is ``AWSCONN_ALERT_WEBHOOK_URL`` (http or https; unset: no alerts). A server
follows the status changes with :func:`send_alerts` (``monitoring.follow_status_changes``
on the feed :data:`FEED`): each change is handed to one process of every replica, and
the feed moves past a change only once the receiver answered 2xx, so every alert is sent
at least once, in order (a receiver down holds the rest back until it answers again; it
can tell a repeat by ``changeId``). Each POST has a timeout; a failed one is tried again
:attr:`Webhook.attempts` times in all, with a doubling pause, then left for the next pass.
Other changes (a connector's first status, SKIPPED, ...) are passed over.

The body (:func:`alert_of`) holds the connector's ref, the old and new status, when,
and the failing test's error code: a code of the fixed taxonomy, never a message, so no
secret can ride along. The URL itself may hold a secret (many webhook URLs carry a
token): messages and logs name only its scheme and host (:attr:`Webhook.where`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.clock import iso_z
from awsconn.service.monitoring import follow_status_changes

if TYPE_CHECKING:
    import httpx

    from awsconn.model.results import StatusChange
    from awsconn.service.context import AppContext

__all__ = [
    "ALERTED",
    "EVENT",
    "FEED",
    "WEBHOOK_URL_ENV",
    "AlertReport",
    "Delivery",
    "Webhook",
    "alert_of",
    "deliver",
    "send_alerts",
    "webhook_of",
]

WEBHOOK_URL_ENV = "AWSCONN_ALERT_WEBHOOK_URL"
FEED = "alert-webhook"
EVENT = "connector.status.changed"
ALERTED = frozenset({("SUCCESS", "FAILURE"), ("FAILURE", "SUCCESS")})
"""The moves that are alerted: (from, to)."""
_MAX_URL = 2048

log = logging.getLogger("awsconn.alerts")


@dataclass(frozen=True)
class Webhook:
    """Where alerts go and how hard to try: ``timeout_s`` per POST, ``attempts`` in all
    per pass, ``backoff_s`` before the second (doubling after)."""

    url: str = field(repr=False)
    timeout_s: float = 5.0
    attempts: int = 3
    backoff_s: float = 1.0

    @property
    def where(self) -> str:
        """The URL without its path, query or user: what messages may show."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _url_problem(raw: str) -> str | None:
    if len(raw) > _MAX_URL:
        return f"is longer than {_MAX_URL} characters"
    if any(c.isspace() or not c.isprintable() for c in raw):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(raw)
        _ = parts.port  # a port that is not a number raises
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https"):
        return "is not an http or https URL"
    if not parts.hostname:
        return "names no host"
    return None


def webhook_of(environ: Mapping[str, str]) -> Webhook | None:
    """The webhook ``AWSCONN_ALERT_WEBHOOK_URL`` names (None when unset or empty); a value
    that is not an http(s) URL with a host is refused naming the variable (the value is
    not echoed: it may hold a token)."""
    raw = environ.get(WEBHOOK_URL_ENV, "").strip()
    if not raw:
        return None
    why = _url_problem(raw)
    if why is not None:
        allowed = "an http:// or https:// URL of the receiver, or unset for no alerts"
        raise ValidationFailed([Problem(WEBHOOK_URL_ENV, why, allowed=allowed)], what="alerts")
    return Webhook(raw)


def alert_of(change: StatusChange, account: str) -> dict[str, Any] | None:
    """The body POSTed for ``change``, or None when the move is not alerted."""
    if (change.from_status, change.to_status) not in ALERTED:
        return None
    return {
        "event": EVENT,
        "changeId": change.id,
        "account": account,
        "connector": change.connector,
        "fromStatus": change.from_status,
        "toStatus": change.to_status,
        "at": iso_z(change.at),
        "errorCode": change.error_code if change.to_status == "FAILURE" else None,
    }


@dataclass(frozen=True)
class Delivery:
    """How one alert went: delivered, the attempts made, and the last failure (an HTTP
    status or the kind of network error; never a message that could hold the URL)."""

    ok: bool
    attempts: int
    failure: str | None = None
    stopped: bool = False


def deliver(
    webhook: Webhook,
    body: dict[str, Any],
    *,
    client: httpx.Client,
    wait: Callable[[float], bool],
) -> Delivery:
    """POST ``body`` as JSON until a 2xx, at most ``webhook.attempts`` times; ``wait(s)``
    pauses between attempts and returns True when the caller is stopping (no more tries)."""
    import httpx

    data = json.dumps(body, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    failure = None
    for attempt in range(1, webhook.attempts + 1):
        try:
            answer = client.post(
                webhook.url, content=data, headers=headers, timeout=webhook.timeout_s
            )
            if 200 <= answer.status_code < 300:
                return Delivery(True, attempt)
            failure = f"HTTP {answer.status_code}"
        except httpx.TimeoutException:
            failure = f"no answer within {webhook.timeout_s:g} s"
        except httpx.HTTPError as exc:
            failure = type(exc).__name__
        if attempt < webhook.attempts and wait(webhook.backoff_s * 2 ** (attempt - 1)):
            return Delivery(False, attempt, failure, stopped=True)
    return Delivery(False, webhook.attempts, failure)


@dataclass
class AlertReport:
    """One pass: the changes alerted, those passed over, the one that could not be sent
    (it is offered again next pass), and whether another process held the feed."""

    sent: list[StatusChange] = field(default_factory=list)
    passed_over: int = 0
    undelivered: StatusChange | None = None
    failure: str | None = None
    held_elsewhere: bool = False


def send_alerts(
    ctx: AppContext,
    webhook: Webhook,
    *,
    holder: str,
    wait: Callable[[float], bool],
    client: httpx.Client | None = None,
) -> AlertReport:
    """Alert every status change not alerted yet (see the module docstring); ``holder``
    names this process, ``wait`` pauses between attempts (True: stop). As the caller of
    ``follow_status_changes``: ``connector:view`` in the account."""
    import httpx

    report = AlertReport()
    own = client is None
    http = client or httpx.Client(follow_redirects=False, headers={"User-Agent": _agent()})

    def handle(change: StatusChange) -> bool:
        body = alert_of(change, ctx.account)
        if body is None:
            report.passed_over += 1
            return True
        done = deliver(webhook, body, client=http, wait=wait)
        if not done.ok:
            report.undelivered, report.failure = change, done.failure
            if not done.stopped:
                log.warning(
                    "the alert of status change %d (%s %s -> %s) was not delivered to the "
                    "webhook at %s after %d attempts (%s); it is sent again next pass",
                    change.id,
                    change.connector,
                    change.from_status,
                    change.to_status,
                    webhook.where,
                    done.attempts,
                    done.failure,
                )
            return False
        report.sent.append(change)
        return True

    try:
        followed = follow_status_changes(ctx, FEED, handle, holder=holder)
        report.held_elsewhere = followed.held_elsewhere
    finally:
        if own:
            http.close()
    return report


def _agent() -> str:
    from awsconn.version import __version__

    return f"awsconn/{__version__}"
