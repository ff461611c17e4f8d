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
        expires: str | datetime | None = None,
        description: str | None = None,
    ) -> NewToken:
        """A token of ``role`` in ``scope`` (default: the account); ``expires`` is an aware
        datetime, or as ``token create --expires`` takes it (``30d``, ``12h``, an ISO
        date or time, ``never``); None: 30 days."""
        body: dict[str, Any] = {"name": name, "role": role, "access": access}
        if isinstance(expires, datetime):
            body["expiresAt"] = _epoch_ms(expires)
        elif expires is not None:
            body["expires"] = expires
        if description is not None:
            body["description"] = description
        data = self._t.call("POST", routes.TOKENS, scope=_scope(scope), body=body)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise InvalidInput("the server's answer to a token create holds no token")
        info = {k: v for k, v in data.items() if k != "token"}
        return NewToken(data["token"], model_of(TokenInfo, info, "token"))

    def list(
        self, *, scope: Scope | str | None = None, include_ended: bool = False
    ) -> list[TokenInfo]:
        """Live tokens of ``scope`` (default: the account) and the scopes inside it;
        revoked and expired ones too with ``include_ended``."""
        params = {"includeEnded": True} if include_ended else None
        data = self._t.call("GET", routes.TOKENS, scope=_scope(scope), params=params)
        return models_of(TokenInfo, data, "token list")

    def revoke(self, token_id: str, *, scope: Scope | str | None = None) -> TokenInfo:
        """Revoke the token with this id (16 hex digits, as lists show it); ``scope``: one
        where the caller administers tokens and that holds it (default: the account).
        Returns the token as revoked."""
        path = path_of(routes.TOKEN, identifier=token_id)
        return model_of(TokenInfo, self._t.call("DELETE", path, scope=_scope(scope)), "token")


class Audit:
    """The audit log, newest first: numbered pages, or pages by cursor."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Audit({self._t.url!r})"

    def page(
        self,
        *,
        page_index: int | None = 0,
        page_size: int = 50,
        scope: Scope | str | None = None,
        since: str | None = None,
        until: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        cursor: str | None = None,
    ) -> AuditPage:
        """Events on targets in ``scope`` (default: the account) and inside it, newest
        first: page ``page_index`` of ``page_size`` with the total, or with ``cursor`` (a
        page's ``next_cursor``) the page after that one. ``since``/``until``: ``24h``,
        ``7d``, an ISO date or time; ``action``: exact or ``noun.*``; ``target``: a
        reference as recorded."""
        params = {
            "pageIndex": None if cursor is not None else page_index,
            "pageSize": page_size,
            "since": since,
            "until": until,
            "actor": actor,
            "action": action,
            "target": target,
            "cursor": cursor,
        }
        data = self._t.call("GET", routes.AUDIT, scope=_scope(scope), params=params)
        content, _pages = page_content(data, "audit page")
        body = data if isinstance(data, dict) else {}
        total, following = body.get("totalItems"), body.get("nextCursor")
        events = [model_of(AuditEntry, item, "audit event") for item in content]
        return AuditPage(
            events=events,
            next_cursor=following if isinstance(following, str) else None,
            page_index=None if cursor is not None else page_index,
            total_items=total if isinstance(total, int) else None,
        )

    def list(
        self,
        *,
        limit: int = 100,
        cursor: str | None = None,
        scope: Scope | str | None = None,
        since: str | None = None,
        until: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
    ) -> AuditPage:
        """Up to ``limit`` events from the newest (or after ``cursor``), as ``audit list``
        pages them: by cursor, ``next_cursor`` asking for the next page (None: the last)."""
        found = self.page(
            page_index=None if cursor is not None else 0,
            page_size=limit,
            scope=scope,
            since=since,
            until=until,
            actor=actor,
            action=action,
            target=target,
            cursor=cursor,
        )
        return AuditPage(events=found.events, next_cursor=found.next_cursor)
