"""The delegate protocol (v1), the agent's side: register, init, heartbeat, take, finish,
disconnect over the client's transport (``x-api-key``, the server's error bodies back
into awsconn errors: a server that cannot be reached is ``STORE_UNAVAILABLE``).

Every call is made as the delegate token. ``take`` is a long poll: the HTTP exchange is
given the wait plus a margin, so a quiet queue is never a client timeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awsconn.client.transport import Transport
from awsconn.client.wire import model_of
from awsconn.model.results import (
    ClaimedTask,
    DelegateInfo,
    Failure,
    HeartbeatReply,
    Task,
    WireModel,
)

__all__ = ["PROTOCOL", "DelegateProtocol", "connect_protocol"]

PROTOCOL = "/ng/api/awsconn/delegate/v1"
REGISTER = f"{PROTOCOL}/register"
INIT = f"{PROTOCOL}/init"
HEARTBEAT = f"{PROTOCOL}/heartbeat"
TAKE = f"{PROTOCOL}/take"
FINISH = f"{PROTOCOL}/finish"
DISCONNECT = f"{PROTOCOL}/disconnect"
_TAKE_MARGIN_S = 30.0


class DelegateProtocol:
    """One delegate token's conversation with the server (the agent holds one)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"DelegateProtocol({self._t.url!r})"

    @property
    def url(self) -> str:
        return self._t.url

    def close(self) -> None:
        self._t.close()

    def register(
        self,
        *,
        name: str,
        tags: Sequence[str],
        version: str,
        host_name: str | None,
        capabilities: Sequence[str] | None,
        init_script: bool,
    ) -> DelegateInfo:
        body: dict[str, Any] = {
            "name": name,
            "tags": list(tags),
            "version": version,
            "initScript": init_script,
        }
        if host_name is not None:
            body["hostName"] = host_name
        if capabilities is not None:
            body["capabilities"] = list(capabilities)
        return model_of(DelegateInfo, self._t.call("POST", REGISTER, body=body), "registration")

    def report_init(
        self,
        delegate_id: str,
        *,
        exit_status: int,
        output_tail: str | None,
        capabilities: Sequence[str],
    ) -> DelegateInfo:
        body = {
            "delegateId": delegate_id,
            "exitStatus": exit_status,
            "outputTail": output_tail,
            "capabilities": list(capabilities),
        }
        return model_of(DelegateInfo, self._t.call("POST", INIT, body=body), "init report")

    def heartbeat(self, delegate_id: str, running: Sequence[str]) -> HeartbeatReply:
        body = {"delegateId": delegate_id, "running": list(running)}
        return model_of(HeartbeatReply, self._t.call("POST", HEARTBEAT, body=body), "heartbeat")

    def take(self, delegate_id: str, *, wait_seconds: float) -> ClaimedTask | None:
        """The next task this delegate can run, or None after ``wait_seconds``."""
        body = {"delegateId": delegate_id, "waitSeconds": wait_seconds}
        data = self._t.call("POST", TAKE, body=body, timeout=wait_seconds + _TAKE_MARGIN_S)
        return None if data is None else model_of(ClaimedTask, data, "claimed task")

    def finish(
        self,
        delegate_id: str,
        task_id: str,
        attempt: int,
        *,
        result: WireModel | None = None,
        error: Failure | None = None,
    ) -> Task:
        body: dict[str, Any] = {"delegateId": delegate_id, "taskId": task_id, "attempt": attempt}
        if result is not None:
            body["result"] = result.wire()
        if error is not None:
            body["error"] = error.wire()
        return model_of(Task, self._t.call("POST", FINISH, body=body), "finished task")

    def disconnect(self, delegate_id: str) -> DelegateInfo:
        data = self._t.call("POST", DISCONNECT, body={"delegateId": delegate_id})
        return model_of(DelegateInfo, data, "disconnect")


def connect_protocol(
    url: str, token: str, *, verify: bool | str = True, transport: Any = None
) -> DelegateProtocol:
    """The protocol with the server at ``url`` as the delegate token ``token``."""
    return DelegateProtocol(Transport(url, token, verify=verify, transport=transport))
