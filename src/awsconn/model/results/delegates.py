"""Results of the delegate side: delegates as listed, the task a delegate takes (with
what it needs to run it), a heartbeat's answer, and the monitor's schedule and status
changes.

A :class:`ClaimedTask` is the one model that carries secret values: the decrypted keys
of a ManualConfig connector, for the one delegate that runs the task. They are kept out
of ``repr`` (and so out of any log line that formats the model); its wire form is sent
only over the delegate's authenticated channel.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from awsconn.model.results.outcomes import Task
from awsconn.model.results.wire import Timestamp, WireModel
from awsconn.model.results.wire import optional as _optional

__all__ = [
    "BackoffPayload",
    "ClaimedTask",
    "ConnectorSchedule",
    "DelegateInfo",
    "DelegateStatus",
    "HeartbeatReply",
    "InitStatus",
    "SessionPayload",
    "StaticKeysPayload",
    "StatusChange",
]

InitStatus = Literal["none", "pending", "succeeded", "failed"]
DelegateStatus = Literal["connected", "initializing", "init-failed", "silent", "disconnected"]
"""``connected``: registered, init script done (or none), capabilities reported and a
heartbeat within the window; otherwise why not."""


class DelegateInfo(WireModel):
    """One registered delegate instance, as listed: what it offers and whether it can
    take tasks now (``connected``), and if not, why (``reason``)."""

    id: str
    name: str
    host_name: str | None = _optional()
    token_id: str
    tags: list[str]
    capabilities: list[str] | None
    """None until the delegate reports them."""
    version: str
    init_status: InitStatus
    init_exit_code: int | None = _optional()
    init_output: str | None = _optional()
    """The end of its init script's output (bounded)."""
    status: DelegateStatus
    connected: bool
    reason: str | None = _optional()
    registered_at: Timestamp
    last_heartbeat: Timestamp
    running_tasks: list[str] = Field(default_factory=list)
    """The tasks it runs now (their ids), as the server last saw them."""


class StaticKeysPayload(WireModel):
    """An access key pair (and session token): secret values, never in ``repr``."""

    access_key_id: str = Field(repr=False)
    secret_access_key: str = Field(repr=False)
    session_token: str | None = Field(default=None, repr=False)


class WebIdentityPayload(WireModel):
    """OidcAuthentication: the role and the ID token awsconn signed for this task (a
    credential for its few minutes: never in ``repr``), with what the trust policy must
    match (for the hint when AWS refuses it)."""

    role_arn: str
    token: str = Field(repr=False)
    issuer: str
    audience: str
    subject: str


class BackoffPayload(WireModel):
    """The connector's retry strategy; durations in milliseconds."""

    kind: Literal[
        "FixedDelayBackoffStrategy", "EqualJitterBackoffStrategy", "FullJitterBackoffStrategy"
    ]
    retry_count: int
    fixed_backoff_ms: int = 0
    base_delay_ms: int = 0
    max_backoff_ms: int = 0


class SessionPayload(WireModel):
    """How the delegate reaches AWS for the task: what awsconn's session spec holds.

    ``static_keys`` only for ManualConfig (decrypted for this delegate only); for
    InheritFromDelegate and Irsa the delegate's own identity is the base.
    """

    connector: str
    credential_type: Literal["ManualConfig", "InheritFromDelegate", "Irsa", "OidcAuthentication"]
    region: str
    static_keys: StaticKeysPayload | None = Field(default=None, repr=False)
    role_arn: str | None = None
    external_id: str | None = Field(default=None, repr=False)
    backoff: BackoffPayload | None = None
    web_identity: WebIdentityPayload | None = Field(default=None, repr=False)


class ClaimedTask(WireModel):
    """A task a delegate took: the task (running, its attempt), the connector document,
    the task's parameters and the session to run it with. Post the result as that
    attempt; heartbeat before ``leaseUntil`` (every ``heartbeatEverySeconds``)."""

    task: Task
    connector: dict[str, JsonValue]
    params: dict[str, JsonValue]
    session: SessionPayload = Field(repr=False)
    lease_until: Timestamp
    heartbeat_every_seconds: int


class HeartbeatReply(WireModel):
    """What a heartbeat renewed, and which of the tasks the delegate named it must stop
    (cancelled, expired, given to another delegate or unknown): ``abandon``."""

    connected: bool
    renewed: list[str]
    abandon: list[str]
    lease_until: Timestamp
    heartbeat_every_seconds: int | None = _optional()
    """How often the server wants heartbeats (a third of its lease, at most 15 s)."""


class ConnectorSchedule(WireModel):
    """When the monitor next tests a connector, and how often (its own interval, or the
    default when ``intervalMinutes`` is not its own)."""

    connector: str
    interval_minutes: int
    own_interval: bool
    next_test_at: Timestamp | None


class StatusChange(WireModel):
    """A connector's status moved (``fromStatus`` None: its first status); ``errorCode``:
    the first error code of the test that made it, when that test failed."""

    id: int
    connector: str
    at: Timestamp
    from_status: str | None
    to_status: str
    error_code: str | None = _optional()
