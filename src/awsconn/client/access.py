"""``client.tokens`` and ``client.audit``: API tokens and the audit log of a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from awsconn.client import routes
from awsconn.client.transport import Transport, path_of
from awsconn.client.wire import model_of, models_of, page_content
from awsconn.errors import InvalidInput
from awsconn.model import Scope
from awsconn.model.results import AuditEntry, AuditPage, TokenInfo

__all__ = ["Audit", "NewToken", "Tokens"]


@dataclass(frozen=True)
class NewToken:
    """A token just made: its text (shown this once; not in repr) and its info."""

    token: str = field(repr=False)
    info: TokenInfo

    def wire(self) -> dict[str, Any]:
        """What ``token create -o json`` prints: the token, once, and its info."""
        return {"token": self.token, **self.info.wire()}


def _epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise InvalidInput("expires_at must be an aware datetime (with its time zone)")
    return int(moment.timestamp() * 1000)


def _scope(scope: Scope | str | None) -> Scope | None:
    if scope is None or isinstance(scope, Scope):
        return scope
    org, _, project = scope.partition("/")
    from awsconn.model import scope_of_settings

    return scope_of_settings(org or None, project or None)


class Tokens:
    """API tokens: create (the value answered once), list (never values), revoke."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Tokens({self._t.url!r})"

    def create(
        self,
        name: str,
        role: str,
        *,
        scope: Scope | str | None = None,
        access: bool = False,
        expires_at: datetime | None = None,
        description: str | None = None,
    ) -> NewToken:
        body: dict[str, Any] = {"name": name, "role": role, "access": access}
        if expires_at is not None:
            body["expiresAt"] = _epoch_ms(expires_at)
        if description is not None:
            body["description"] = description
        data = self._t.call("POST", routes.TOKENS, scope=_scope(scope), body=body)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise InvalidInput("the server's answer to a token create holds no token")
        info = {k: v for k, v in data.items() if k != "token"}
        return NewToken(data["token"], model_of(TokenInfo, info, "token"))

    def list(self, *, scope: Scope | str | None = None) -> list[TokenInfo]:
        """Live tokens of ``scope`` (default: the account) and the scopes inside it."""
        data = self._t.call("GET", routes.TOKENS, scope=_scope(scope))
        return models_of(TokenInfo, data, "token list")

    def revoke(self, token_id: str, *, scope: Scope | str | None = None) -> None:
        """Revoke the token with this id (16 hex digits, as lists show it); ``scope``: one
        where the caller administers tokens and that holds it (default: the account)."""
        path = path_of(routes.TOKEN, identifier=token_id)
        self._t.call("DELETE", path, scope=_scope(scope))


class Audit:
    """The audit log, newest first, a numbered page at a time."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Audit({self._t.url!r})"

    def page(
        self, *, page_index: int = 0, page_size: int = 50, scope: Scope | str | None = None
    ) -> AuditPage:
        data = self._t.call(
            "GET",
            routes.AUDIT,
            scope=_scope(scope),
            params={"pageIndex": page_index, "pageSize": page_size},
        )
        content, _pages = page_content(data, "audit page")
        total = data.get("totalItems") if isinstance(data, dict) else None
        events = [model_of(AuditEntry, item, "audit event") for item in content]
        return AuditPage(
            events=events,
            next_cursor=None,
            page_index=page_index,
            total_items=total if isinstance(total, int) else None,
        )
