"""The request being decided, and what the engine derives from it once per decision."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsconn.iam.catalog import is_wildcard_only

__all__ = ["PreparedRequest", "Principal", "Request", "parse_principal", "resource_account_of"]

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Request:
    """One API call to decide.

    ``principal``: the caller's ARN (user, role, assumed-role session, federated user,
    account root), a service principal (``lambda.amazonaws.com``) or ``None`` for an
    anonymous caller. ``resource``: an ARN, ``*`` or a wildcard ARN ("some resource of
    this kind"). An action that takes no resource (``ec2:DescribeRegions``: wildcard-only
    in the IAM action data) is decided on the resource ``*`` whatever is given, so only
    ``Resource: "*"`` grants it and no resource-based policy applies. ``wildcard_only``
    overrides the data: ``None`` (default) = as the IAM action data says, ``True`` = treat
    the action as wildcard-only, ``False`` = do not (a simulation case that says so).
    ``resource_account`` defaults to the account in the resource ARN,
    else the principal's. ``context``: condition keys (names case-insensitive) to a
    string or a list of strings (multi-valued keys). ``unknown_keys``: condition keys
    (case-insensitive) whose presence and value are unknown for this request; a clause
    or variable on one makes the decision ``Depends`` when it matters. A key in neither
    is absent.
    """

    principal: str | None
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    wildcard_only: bool | None = None
    unknown_keys: frozenset[str] = frozenset()

    @classmethod
    def checked(
        cls,
        *,
        principal: Any,
        action: Any,
        resource: Any = "*",
        resource_account: Any = None,
        context: Any = None,
        unknown_keys: Any = (),
        wildcard_only: Any = None,
        path: str = "",
    ) -> Request:
        """A request built from untrusted values, every field checked first.

        Raises :class:`ValidationFailed` with every problem at its path (``action``,
        ``context.aws:SourceIp``..., under ``path`` when given).
        """
        from awsconn.iam.request_checks import RequestChecker

        check = RequestChecker(path)
        request = cls(
            principal=check.principal(principal, "principal"),
            action=check.action(action, "action"),
            resource=check.resource(resource, "resource"),
            resource_account=check.account(resource_account, "resource_account"),
            context=check.context(context, "context"),
            wildcard_only=check.flag(wildcard_only, "wildcard_only"),
            unknown_keys=check.keys(unknown_keys, "unknown_keys"),
        )
        check.raise_problems("request")
        return request

    @classmethod
    def from_case(cls, raw: Any, path: str = "request") -> Request:
        """The ``request`` object of an iam-simulate case (``action``, ``principal`` as an
        ARN or ``{"type": "Anonymous"}``, ``resource`` as an ARN or ``{"resource",
        "accountId"}``, ``context``, ``wildcardOnlyAction``, ``unknownKeys``), checked like
        :meth:`checked` with JSON paths (``request.resource.accountId``)."""
        from awsconn.iam.request_checks import RequestChecker

        check = RequestChecker("")
        fields = check.case_fields(raw, path)
        if fields is None:
            check.raise_problems("case")
        assert fields is not None
        request = cls(
            principal=check.principal(fields["principal"], f"{path}.principal"),
            action=check.action(fields["action"], f"{path}.action"),
            resource=check.resource(fields["resource"], fields["resource_path"]),
            resource_account=check.account(fields["account"], fields["account_path"]),
            context=check.context(fields["context"], f"{path}.context"),
            wildcard_only=check.flag(fields["wildcard_only"], f"{path}.wildcardOnlyAction"),
            unknown_keys=check.keys(fields["unknown_keys"], f"{path}.unknownKeys"),
        )
        check.raise_problems("case")
        return request


@dataclass(frozen=True)
class Principal:
    """What kind of caller: ``user``, ``role``, ``session``, ``federated``, ``root``,
    ``service``, ``anonymous`` or ``other``; ``role_name`` for sessions of a role.
    ``identity_side``: an IAM principal of an account (identity-based policies, SCPs,
    boundaries and session policies apply to it), not anonymous or a service."""

    text: str | None
    kind: str
    account: str | None
    role_name: str | None = None
    partition: str = "aws"
    identity_side: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity_side", self.kind not in ("anonymous", "service"))


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


_accounts: dict[str, str] = {}


def _account_of(resource: str) -> str | None:
    """:func:`resource_account_of`, remembered for the resources that have an account."""
    found = resource_account_of(resource)
    if found is not None:
        if len(_accounts) > 65536:
            _accounts.clear()
        _accounts[resource] = found
    return found


class _ActionFacts:
    """What a decision derives from the action alone (cached per action text)."""

    __slots__ = ("action", "name", "service", "special", "wildcard_note", "wildcard_only")

    def __init__(self, text: str) -> None:
        self.action = text.lower()
        self.service, _, self.name = self.action.partition(":")
        self.special = self.service in ("iam", "kms", "sts")
        self.wildcard_only = is_wildcard_only(self.action)
        self.wildcard_note = (
            f"{text} takes no resource (wildcard-only in the IAM action data, or as the "
            'request says): only a statement whose Resource is "*" (or whose NotResource '
            'leaves "*") grants it'
        )


_actions: dict[str, _ActionFacts] = {}


def _action_facts(text: str) -> _ActionFacts:
    found = _actions.get(text)
    if found is None:
        if len(_actions) > 65536:
            _actions.clear()
        found = _actions[text] = _ActionFacts(text)
    return found


class PreparedRequest:
    """Lower-cased action, context and unknown keys, parsed principal, the resource the
    decision is about (``*`` for a wildcard-only action): computed once per decision."""

    __slots__ = (
        "action",
        "context",
        "name",
        "principal",
        "request",
        "resource",
        "resource_account",
        "resource_is_pattern",
        "service",
        "special",
        "unknown_keys",
        "wildcard_note",
        "wildcard_only",
    )
    _NONE: frozenset[str] = frozenset()

    def __init__(self, request: Request) -> None:
        facts = _actions.get(request.action) or _action_facts(request.action)
        self.request = request
        self.action = facts.action
        self.service = facts.service
        self.name = facts.name
        self.special = facts.special
        self.wildcard_note = facts.wildcard_note
        forced = request.wildcard_only
        self.wildcard_only = wildcard_only = facts.wildcard_only if forced is None else forced
        self.resource = resource = "*" if wildcard_only else request.resource
        self.principal = principal = _principals.get(request.principal) or parse_principal(
            request.principal
        )
        raw = request.context
        self.context: Mapping[str, str | Sequence[str]] = (
            {k.lower(): v for k, v in raw.items()} if raw else raw
        )
        unknown = request.unknown_keys
        self.unknown_keys: frozenset[str] = (
            frozenset(k.lower() for k in unknown) if unknown else self._NONE
        )
        self.resource_account = (
            request.resource_account
            or (_accounts.get(resource) or _account_of(resource) if resource != "*" else None)
            or principal.account
        )
        self.resource_is_pattern = not wildcard_only and ("*" in resource or "?" in resource)

    @classmethod
    def of(cls, request: Request) -> PreparedRequest:
        return cls(request)
