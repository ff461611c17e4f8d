"""What a token is: its text, hash and display prefix, kinds, statuses, expiry, its info.

A token is ``awsc_`` and 43 characters drawn by ``secrets`` from the 62 letters and
digits (256 bits). Only its SHA-256 is stored: for a token that random a plain hash is
enough (there is nothing to guess, so no salt or slow hash), and authenticating is one
indexed lookup by it. ``awsc_`` and the next six characters are kept as a display
prefix, so lists tell tokens apart without showing one. The use cases are in
``service/tokens.py``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.model import Scope
from awsconn.model.clock import iso_z
from awsconn.model.identifiers import IDENTIFIER_RULE, NAME_RULE, identifier_problem, name_problem
from awsconn.model.results import TokenInfo
from awsconn.model.text_rules import MAX_DESCRIPTION_CHARS
from awsconn.model.validation import Collector
from awsconn.service.access import Role
from awsconn.service.time_spans import SPAN_FORMS, parse_moment, parse_span

if TYPE_CHECKING:
    from awsconn.store.rows import TokenRow

__all__ = [
    "DEFAULT_EXPIRES",
    "MAX_LIFETIME",
    "TOKEN_LENGTH",
    "TOKEN_PREFIX",
    "IssuedToken",
    "TokenInfo",
    "TokenKind",
    "TokenStatus",
    "check_description",
    "check_name",
    "check_token_id",
    "display_prefix",
    "expiry_of",
    "holds_a_token",
    "new_token",
    "role_of",
    "scope_of_text",
    "scope_text",
    "shaped_like_a_token",
    "token_hash",
    "token_info",
    "token_problems",
]

TOKEN_PREFIX = "awsc_"
_ALPHABET = string.ascii_letters + string.digits
_BODY_CHARS = 43  # 43 * log2(62) = 256.03 bits
_DISPLAY_CHARS = 6  # of the body, shown in lists
TOKEN_LENGTH = len(TOKEN_PREFIX) + _BODY_CHARS
MAX_LIFETIME = timedelta(days=365)
DEFAULT_EXPIRES = "30d"


class TokenKind(StrEnum):
    API = "api"  # people and scripts: a role in a scope
    DELEGATE = "delegate"  # delegate agents: the delegate role, one token for many delegates

    @property
    def noun(self) -> str:
        """How messages name a token of this kind: "API token", "delegate token"."""
        return "API token" if self is TokenKind.API else "delegate token"


class TokenStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else iso_z(moment)


def scope_text(scope: Scope) -> str | None:
    """``ORG`` or ``ORG/PROJECT``; None for the account scope."""
    if scope.org is None:
        return None
    return scope.org if scope.project is None else f"{scope.org}/{scope.project}"


def scope_of_text(text: str | None, *, setting: str = "scope") -> Scope:
    """``ORG`` or ``ORG/PROJECT`` (empty or None: the account); problems name ``setting``."""
    if text is None or not text.strip():
        return Scope()
    parts = text.strip().split("/")
    allowed = f"ORG or ORG/PROJECT, each {IDENTIFIER_RULE}"
    problems: list[Problem] = []
    if len(parts) > 2:
        problems.append(Problem(setting, "has more than two parts", text, allowed))
    for part in parts[:2]:
        if why := identifier_problem(part):
            problems.append(Problem(setting, f"{part!r} {why}", text, allowed))
    if problems:
        raise ValidationFailed(problems, what="token")
    return Scope(parts[0], parts[1] if len(parts) == 2 else None)


def token_info(row: TokenRow, now: datetime) -> TokenInfo:
    """A stored token as lists and the API show it (status as of ``now``)."""
    return TokenInfo(
        id=row.id,
        kind=TokenKind(row.kind).value,
        name=row.name,
        description=row.description,
        role=Role(row.role).value,
        scope=scope_text(Scope(row.org, row.project)),
        access=row.access,
        prefix=row.prefix,
        status=_status(row, now).value,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _status(row: TokenRow, now: datetime) -> TokenStatus:
    """Revoked if revoked before it expired; expired once its time has come."""
    expires, revoked = row.expires_at, row.revoked_at
    if revoked is not None:
        return TokenStatus.REVOKED if expires is None or revoked < expires else TokenStatus.EXPIRED
    if expires is not None and expires <= now:
        return TokenStatus.EXPIRED
    return TokenStatus.ACTIVE


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the text (shown this once; kept out of ``repr``) and its info.
    Unpacks as ``token, info = create_token(...)``."""

    token: str = field(repr=False)
    info: TokenInfo

    def __iter__(self) -> Iterator[Any]:
        yield self.token
        yield self.info

    def wire(self) -> dict[str, Any]:
        """What ``token create -o json`` prints and the API answers: the token, once."""
        return {"token": self.token, **self.info.wire()}


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: the prefix and 256 random bits as letters and digits."""
    return TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_CHARS))


def shaped_like_a_token(text: object) -> bool:
    """Whether ``text`` has a token's form (checked before any lookup; says nothing more)."""
    return (
        isinstance(text, str)
        and len(text) == TOKEN_LENGTH
        and text.startswith(TOKEN_PREFIX)
        and all(c in _ALPHABET for c in text[len(TOKEN_PREFIX) :])
    )


def expiry_of(value: str | datetime | None, *, now: datetime) -> datetime | None:
    """When a token asked to expire at ``value`` expires: ``30d``/``12h``/``90m`` from now, an
    ISO date (midnight UTC) or date and time, or ``never``/None (None). At most
    :data:`MAX_LIFETIME` ahead and in the future; ValidationFailed naming ``expires``."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "never"):
        return None
    days = MAX_LIFETIME.days
    allowed = (
        f"{SPAN_FORMS} up to {days}d, an ISO date or date and time within {days} days, or never"
    )
    if isinstance(value, datetime):
        moment: datetime | None = value if value.tzinfo is not None else None
    else:
        span = parse_span(value)
        if span is not None and span > MAX_LIFETIME:
            problem = Problem(
                "expires", f"is longer than the most a token may live, {days}d", value, allowed
            )
            raise ValidationFailed([problem], what="token")
        moment = now + span if span is not None else parse_moment(value)
    if moment is None:
        raise ValidationFailed(
            [Problem("expires", "is not a time span or date", value, allowed)], what="token"
        )
    given = _iso(moment)
    if moment <= now:
        raise ValidationFailed([Problem("expires", "is not in the future", given)], what="token")
    if moment - now > MAX_LIFETIME:
        problem = Problem("expires", f"is more than {days} days ahead", given, allowed)
        raise ValidationFailed([problem], what="token")
    return moment


_TOKEN_IN_TEXT = re.compile(r"awsc_[A-Za-z0-9]{16}")
_TOKEN_ID = re.compile(r"^[0-9a-f]{16}\Z")


def holds_a_token(value: object) -> bool:
    """Whether ``value`` is text holding a token, or enough of one to matter."""
    return isinstance(value, str) and _TOKEN_IN_TEXT.search(value) is not None


def token_problems(**settings: object) -> list[Problem]:
    """A problem, echoing nothing, for each setting that holds a token: pasted into the
    wrong field, it must not reach an error message, a log or the audit log."""
    return [
        Problem(
            setting,
            "holds an API token (not shown); a token is never a setting",
            allowed="the setting's own value; revoke the token if it was shared",
        )
        for setting, value in settings.items()
        if holds_a_token(value)
    ]


def check_name(name: str) -> None:
    """A token's name follows Harness's name rule (letters, digits, space, '-', '_', '.')
    and does not start as tokens do."""
    why = name_problem(name)
    if why is None and name.lower().startswith(TOKEN_PREFIX):
        why = f"starts with {TOKEN_PREFIX}, as tokens do"
    if why:
        raise ValidationFailed([Problem("name", why, given=name, allowed=NAME_RULE)], what="token")


def check_description(description: str | None) -> str | None:
    """A token's description: free text for people, as a connector's (empty: none)."""
    if description is None:
        return None
    check = Collector("token")
    text = check.string(
        description, "description", max_length=MAX_DESCRIPTION_CHARS, multiline=True
    )
    check.raise_if_any()
    return text or None


def check_token_id(token_id: str) -> None:
    """A token's id as lists show it: 16 hexadecimal digits."""
    if not _TOKEN_ID.match(token_id):
        problem = Problem("id", "is not a token id", token_id, "16 hexadecimal digits")
        raise ValidationFailed([problem], what="token")


def display_prefix(token: str) -> str:
    """What lists show of a token: ``awsc_`` and the first characters after it."""
    return token[: len(TOKEN_PREFIX) + _DISPLAY_CHARS]


def role_of(role: Role | str, kind: TokenKind) -> Role:
    """The role asked for, if a token of ``kind`` may hold it (ValidationFailed naming role)."""
    allowed = (
        [Role.DELEGATE] if kind is TokenKind.DELEGATE else [Role.VIEWER, Role.EDITOR, Role.ADMIN]
    )
    for candidate in allowed:
        if role == candidate or role == candidate.value:
            return candidate
    names = ", ".join(r.value for r in allowed)
    problem = Problem("role", f"is not a role {kind.noun}s may hold", str(role), names)
    raise ValidationFailed([problem], what="token")
