"""The request being decided, and what the engine derives from it once per decision."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["PreparedRequest", "Principal", "Request", "parse_principal", "resource_account_of"]

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Request:
    """One API call to decide.

    ``principal``: the caller's ARN (user, role, assumed-role session, federated user,
    account root), a service principal (``lambda.amazonaws.com``) or ``None`` for an
    anonymous caller. ``resource``: an ARN, or ``*`` for actions that take no resource
    (set ``wildcard_only=True`` for those). ``resource_account`` defaults to the
    account in the resource ARN, else the principal's. ``context``: condition keys
    (names case-insensitive) to a string or a list of strings (multi-valued keys).
    """

    principal: str | None
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    wildcard_only: bool = False


@dataclass(frozen=True)
class Principal:
    """What kind of caller: ``user``, ``role``, ``session``, ``federated``, ``root``,
    ``service``, ``anonymous`` or ``other``; ``role_name`` for sessions of a role."""

    text: str | None
    kind: str
    account: str | None
    role_name: str | None = None
    partition: str = "aws"


_principals: dict[str | None, Principal] = {}


def parse_principal(text: str | None) -> Principal:
    """Parse a caller (memoised: a service decides for a handful of principals)."""
    found = _principals.get(text)
    if found is None:
        if len(_principals) > 4096:
            _principals.clear()
        found = _principals[text] = _parse_principal(text)
    return found


def _parse_principal(text: str | None) -> Principal:
    if text is None or text in ("*", "anonymous", ""):
        return Principal(None, "anonymous", None)
    if not text.startswith("arn:"):
        if _ACCOUNT.match(text):
            return Principal(text, "root", text)
        return Principal(text, "service", None)
    parts = text.split(":", 5)
    if len(parts) < 6:
        return Principal(text, "other", None)
    partition = parts[1]
    account = parts[4] or None
    resource = parts[5]
    if parts[2] == "iam":
        if resource == "root":
            return Principal(text, "root", account, partition=partition)
        if resource.startswith("user/"):
            return Principal(text, "user", account, partition=partition)
        if resource.startswith("role/"):
            return Principal(text, "role", account, resource.rsplit("/", 1)[-1], partition)
    elif parts[2] == "sts":
        if resource.startswith("assumed-role/"):
            pieces = resource.split("/")
            role = pieces[1] if len(pieces) > 1 else None
            return Principal(text, "session", account, role, partition)
        if resource.startswith("federated-user/"):
            return Principal(text, "federated", account, partition=partition)
    return Principal(text, "other", account, partition=partition)


def resource_account_of(resource: str) -> str | None:
    """The 12-digit account in an ARN; ``None`` when it has none (S3) or names no
    account (``arn:aws:iam::aws:policy/...``: AWS managed policies belong to no one, so
    reading them is a same-account decision, not a cross-account one)."""
    if resource.startswith("arn:"):
        parts = resource.split(":", 5)
        if len(parts) == 6 and _ACCOUNT.match(parts[4]):
            return parts[4]
    return None


@dataclass(frozen=True)
class PreparedRequest:
    """Lower-cased action and context keys, parsed principal: computed once per decision."""

    request: Request
    action: str
    service: str
    name: str
    resource: str
    resource_account: str | None
    principal: Principal
    context: Mapping[str, str | Sequence[str]]
    resource_is_pattern: bool

    @classmethod
    def of(cls, request: Request) -> PreparedRequest:
        action = request.action.lower()
        service, _, name = action.partition(":")
        principal = parse_principal(request.principal)
        raw = request.context
        context = {k.lower(): v for k, v in raw.items()} if raw else raw
        account = (
            request.resource_account or resource_account_of(request.resource) or principal.account
        )
        return cls(
            request=request,
            action=action,
            service=service,
            name=name,
            resource=request.resource,
            resource_account=account,
            principal=principal,
            context=context,
            resource_is_pattern=not request.wildcard_only
            and ("*" in request.resource or "?" in request.resource),
        )
