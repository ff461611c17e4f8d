"""The bodies of the delegate protocol (``/ng/api/awsconn/delegate/v1/...``) and of the
task endpoints (``/ng/api/awsconn/tasks``).

Harness's delegates speak a protocol of their own that awsconn does not copy; these are
awsconn's, versioned in the path (``v1``): a delegate registers, reports how its init
script ended, heartbeats, takes tasks (a long poll) and posts each task's outcome. Every
call but ``register`` names the delegate instance (``delegateId``) its registration
answered. Fields are checked by the service (each problem at its path); the shapes
here only say what travels. What the routes answer is the service's result models
(``DelegateInfo``, ``HeartbeatReply``, ``ClaimedTask``, ``Task``) in the ResponseDto
envelope, timestamps as epoch milliseconds.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from awsconn.api.harness_base import HarnessModel

__all__ = [
    "DelegateDisconnectRequest",
    "DelegateFinishRequest",
    "DelegateHeartbeatRequest",
    "DelegateInitReport",
    "DelegateRegisterRequest",
    "DelegateTakeRequest",
    "TaskSubmitRequest",
]


class DelegateRegisterRequest(HarnessModel):
    """A delegate instance starts: its name (one token may run many), tags, version, host,
    capabilities (now, or with its init report), whether an init script runs first."""

    name: str
    tags: list[str] = Field(default_factory=list)
    version: str
    host_name: str | None = None
    capabilities: list[str] | None = None
    init_script: bool = False


class DelegateInitReport(HarnessModel):
    """How its init script ended (exit status 0: it may take tasks), the end of its output
    (bounded by the server) and the capabilities it found afterwards."""

    delegate_id: str
    exit_status: int
    output_tail: str | None = None
    capabilities: list[str] | None = None


class DelegateHeartbeatRequest(HarnessModel):
    """It is alive and runs ``running`` (task ids): their leases are renewed."""

    delegate_id: str
    running: list[str] = Field(default_factory=list)


class DelegateTakeRequest(HarnessModel):
    """Take the oldest task it can run, waiting up to ``waitSeconds`` (0 to 120) for one;
    the answer is the claimed task, or null when none came."""

    delegate_id: str
    wait_seconds: float = 20.0


class DelegateFinishRequest(HarnessModel):
    """The outcome of ``attempt`` of ``taskId``: its ``result`` (the model of its kind) or
    its ``error`` (a failure: code, message, hint), exactly one."""

    delegate_id: str
    task_id: str
    attempt: int
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class DelegateDisconnectRequest(HarnessModel):
    """It leaves: it takes no more tasks; any it still held go back to the queue."""

    delegate_id: str


class TaskSubmitRequest(HarnessModel):
    """Submit a connector's work (``kind``: connection-test, regions, permission-check,
    credentials) for the connector ``connector`` (its identifier, in the query's scope).
    ``waitSeconds`` (0 to 3600): answer once the task has ended, or as it is after that
    long (one request instead of a submit and a waiting get)."""

    kind: str
    connector: str
    params: dict[str, Any] | None = None
    deadline_seconds: float | None = None
    wait_seconds: float = 0.0
