"""Entity identifiers and names, as Harness defines them."""

from __future__ import annotations

import re

__all__ = [
    "ACCOUNT_IDENTIFIER_RULE",
    "DEFAULT_ACCOUNT",
    "IDENTIFIER_PATTERN",
    "NAME_PATTERN",
    "RESERVED_IDENTIFIERS",
    "account_identifier_problem",
    "identifier_problem",
    "name_problem",
]

# \Z, not $: a $ anchor also matches before a trailing newline ("abc\n" would pass).
IDENTIFIER_PATTERN = re.compile(r"^[a-zA-Z_][0-9a-zA-Z_$]{0,127}\Z")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9 _.\-]{1,128}\Z")
# Harness account identifiers are generated (22 characters of base64url, e.g.
# "px7xd_BFRCi-pfWPYXVjvw"), so they may start with a digit and hold '-'.
ACCOUNT_IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
DEFAULT_ACCOUNT = "default"

RESERVED_IDENTIFIERS = frozenset(
    {
        "or", "and", "eq", "ne", "lt", "gt", "le", "ge", "div", "mod", "not", "null",
        "true", "false", "new", "var", "return", "step", "parallel", "stepGroup", "org",
        "account", "class", "shellScriptProvisioner", "status", "liteEngineTask",
    }
)  # fmt: skip

IDENTIFIER_RULE = (
    "1-128 characters: a letter or _ first, then letters, digits, _ or $; not a reserved word"
)
NAME_RULE = "1-128 characters: letters, digits, space, '-', '_' and '.'"
ACCOUNT_IDENTIFIER_RULE = "1-128 characters: letters, digits, '_' and '-'"


def identifier_problem(value: str) -> str | None:
    """Why ``value`` is not a valid identifier, or None when it is."""
    if not IDENTIFIER_PATTERN.match(value):
        return "is not a valid identifier"
    if value in RESERVED_IDENTIFIERS:
        return "is a reserved word"
    return None


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a valid name, or None when it is."""
    if not value.strip():
        return "must not be blank"
    if len(value) > 128:
        return "is longer than 128 characters"
    if not NAME_PATTERN.match(value):
        return "has characters that are not allowed"
    return None


def account_identifier_problem(value: str) -> str | None:
    """Why ``value`` is not a valid account identifier, or None when it is."""
    if not ACCOUNT_IDENTIFIER_PATTERN.match(value):
        return "is not a valid account identifier"
    return None
