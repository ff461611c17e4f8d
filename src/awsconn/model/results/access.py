"""Results of the access side: API and delegate tokens as lists show them (never the
token itself), and audit events."""

from __future__ import annotations

from typing import Literal

from pydantic import JsonValue

from awsconn.model.results.wire import Timestamp, WireModel

__all__ = [
    "AuditEntry",
    "AuditOutcome",
    "AuditPage",
    "AuditTarget",
    "CallerInfo",
    "TokenInfo",
    "TokenKindName",
    "TokenRoleName",
    "TokenStatusName",
]

TokenKindName = Literal["api", "delegate"]
TokenRoleName = Literal["viewer", "editor", "admin", "delegate"]
TokenStatusName = Literal["active", "expired", "revoked"]
AuditOutcome = Literal["ok", "denied", "failed"]


class TokenInfo(WireModel):
    """A token as lists and the API show it: what it grants and its life, never the token."""

    id: str
    kind: TokenKindName
    name: str
    description: str | None
    role: TokenRoleName
    scope: str | None  # ORG or ORG/PROJECT; None: the account
    access: bool
    prefix: str  # awsc_ and the first characters: enough to recognise, not to use
    status: TokenStatusName
    created_at: Timestamp
    created_by: str
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None


class CallerInfo(WireModel):
    """Who a command or request runs as: a token's holder on a server (``kind`` the
    token's), or the owner of a local store (``kind`` local, no token)."""

    name: str
    kind: Literal["api", "delegate", "local"]
    role: TokenRoleName
    scope: str | None  # where the role is granted: ORG or ORG/PROJECT; None: the account
    access: bool  # connector:access (obtain connectors' credentials)
    token_id: str | None
    permissions: list[str]


class AuditTarget(WireModel):
    """What an event was about: a connector, a secret, a token, the master key."""

    kind: str
    ref: str
    org: str | None
    project: str | None


class AuditEntry(WireModel):
    """One event: who did what to which target, when, from where, with what outcome."""

    id: int
    at: Timestamp
    actor: str
    actor_token: str | None
    address: str | None
    action: str
    target: AuditTarget
    version: int | None
    outcome: AuditOutcome
    detail: dict[str, JsonValue]


class AuditPage(WireModel):
    """Events newest first; ``next_cursor`` asks for the page after this one (None: last);
    ``page_index`` and ``total_items`` when numbered pages were asked for."""

    events: list[AuditEntry]
    next_cursor: str | None
    page_index: int | None = None
    total_items: int | None = None
