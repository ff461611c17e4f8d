"""``client.delegates`` and ``client.tasks``: a server's delegates, delegate tokens and tasks.

Delegate tokens go through Harness's ``/ng/api/delegate-token-ng`` (its ``RestResponse``
envelope) and come back as the :class:`~awsconn.model.results.TokenInfo` the local store
answers; the delegate list and the tasks through awsconn's own routes, as the service's
result models. Paths are written out here (a test keeps them in the route table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from awsconn.client.access import NewToken
from awsconn.client.connectors import Ref, ref_of
from awsconn.client.transport import Transport, path_of
from awsconn.client.wire import from_epoch_ms, mapping, model_of, models_of
from awsconn.errors import InvalidInput
from awsconn.model.results import DelegateInfo, Task, TokenInfo

__all__ = [
    "DELEGATES",
    "DELEGATE_TOKENS",
    "TASK",
    "TASKS",
    "TASK_CANCEL",
    "DelegateTokens",
    "Delegates",
    "Tasks",
]

_NG = "/ng/api"
DELEGATE_TOKENS = f"{_NG}/delegate-token-ng"
DELEGATES = f"{_NG}/awsconn/delegates"
TASKS = f"{_NG}/awsconn/tasks"
TASK = f"{TASKS}/{{identifier}}"
TASK_CANCEL = f"{TASK}/cancel"


def _epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise InvalidInput("expires_at must be an aware datetime (with its time zone)")
    return int(moment.timestamp() * 1000)


def token_info_of(details: Any) -> TokenInfo:
    """Harness's ``DelegateTokenDetails`` (with awsconn's extra fields) as a TokenInfo."""
    body = mapping(details, "delegate token")
    revoked_at = from_epoch_ms(body.get("revokedAt"), "delegate token revokedAt")
    if body.get("status") == "ACTIVE":
        status = "active"
    else:
        status = "revoked" if revoked_at is not None else "expired"
    creator = body.get("createdBy")
    return model_of(
        TokenInfo,
        {
            "id": body.get("uuid"),
            "kind": "delegate",
            "name": body.get("name"),
            "description": body.get("description"),
            "role": "delegate",
            "scope": None,
            "access": False,
            "prefix": body.get("prefix"),
            "status": status,
            "createdAt": from_epoch_ms(body.get("createdAt"), "delegate token createdAt"),
            "createdBy": creator.get("name") if isinstance(creator, Mapping) else None,
            "expiresAt": from_epoch_ms(body.get("revokeAfter"), "delegate token revokeAfter"),
            "revokedAt": revoked_at,
            "lastUsedAt": from_epoch_ms(body.get("lastUsedAt"), "delegate token lastUsedAt"),
        },
        "delegate token",
    )


class DelegateTokens:
    """Delegate tokens (the account's): create (the value answered once), list, revoke."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"DelegateTokens({self._t.url!r})"

    def create(self, name: str, *, expires_at: datetime | None = None) -> NewToken:
        """A new delegate token named ``name`` (no expiry unless ``expires_at``)."""
        params: dict[str, Any] = {"tokenName": name}
        if expires_at is not None:
            params["revokeAfter"] = _epoch_ms(expires_at)
        data = self._t.call("POST", DELEGATE_TOKENS, params=params, envelope="resource")
        body = mapping(data, "delegate token")
        if not isinstance(body.get("value"), str):
            raise InvalidInput("the server's answer to a delegate token create holds no token")
        return NewToken(body["value"], token_info_of(body))

    def list(self, *, include_ended: bool = False) -> list[TokenInfo]:
        """Live delegate tokens (``include_ended``: revoked and expired ones too)."""
        params = {} if include_ended else {"status": "ACTIVE"}
        data = self._t.call("GET", DELEGATE_TOKENS, params=params, envelope="resource")
        if not isinstance(data, list):
            raise InvalidInput("the server's answer (delegate tokens) is not a JSON list")
        return [token_info_of(item) for item in data]

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the live delegate token named ``name``; its delegates are refused from
        their next call on."""
        data = self._t.call("PUT", DELEGATE_TOKENS, params={"tokenName": name}, envelope="resource")
        return token_info_of(data)


class Delegates:
    """Registered delegates, connected or not (and why), and the delegate tokens."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport
        self.tokens = DelegateTokens(transport)

    def __repr__(self) -> str:
        return f"Delegates({self._t.url!r})"

    def list(self, *, connected: bool = False) -> list[DelegateInfo]:
        data = self._t.call("GET", DELEGATES, params={"connected": connected})
        return models_of(DelegateInfo, data, "delegate list")


class Tasks:
    """A connector's work as tasks: submit, get (waiting for its end), list, cancel."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Tasks({self._t.url!r})"

    def submit(
        self,
        ref: Ref,
        kind: str,
        params: Mapping[str, Any] | None = None,
        *,
        deadline_seconds: float | None = None,
        wait_seconds: float = 0.0,
    ) -> Task:
        """The task as submitted; with ``wait_seconds`` once it has ended, or as it is
        after that long (one request)."""
        r = ref_of(ref)
        body: dict[str, Any] = {"kind": kind, "connector": r.identifier}
        if params is not None:
            body["params"] = dict(params)
        if deadline_seconds is not None:
            body["deadlineSeconds"] = deadline_seconds
        if wait_seconds:
            body["waitSeconds"] = wait_seconds
        data = self._t.call(
            "POST",
            TASKS,
            scope=r.scope,
            body=body,
            timeout=wait_seconds + 30.0 if wait_seconds else None,
        )
        return model_of(Task, data, "task")

    def get(self, task_id: str, *, wait_seconds: float = 0.0) -> Task:
        """The task; with ``wait_seconds`` once it has ended, or as it is after that long."""
        data = self._t.call(
            "GET",
            path_of(TASK, identifier=task_id),
            params={"waitSeconds": wait_seconds} if wait_seconds else None,
            timeout=wait_seconds + 30.0 if wait_seconds else None,
        )
        return model_of(Task, data, "task")

    def list(
        self,
        *,
        connector: Ref | None = None,
        states: Sequence[str] = (),
        kinds: Sequence[str] = (),
        limit: int = 100,
        offset: int = 0,
    ) -> list[Task]:
        r = ref_of(connector) if connector is not None else None
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if r is not None:
            params["connector"] = r.identifier
        if states:
            params["state"] = ",".join(states)
        if kinds:
            params["kind"] = ",".join(kinds)
        data = self._t.call("GET", TASKS, scope=r.scope if r else None, params=params)
        return models_of(Task, data, "task list")

    def cancel(self, task_id: str) -> Task:
        data = self._t.call("POST", path_of(TASK_CANCEL, identifier=task_id))
        return model_of(Task, data, "task")
