"""Condition operator names and the values they take: the one table both the grammar
(which refuses what it cannot read) and the evaluator (which runs it) use.

An operator is ``[ForAllValues:|ForAnyValue:]Base[IfExists]``; names are matched
case-insensitively, as AWS accepts them. Values are read the way evaluation reads them,
so a value the grammar accepts is one evaluation can interpret: a number is an integer
or decimal, a date is ISO 8601 or epoch seconds, a bool is ``true``/``false``, an IP is an
address or CIDR block, an ARN operator's value is an ARN (wildcards allowed).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = [
    "FAMILIES",
    "is_arn_pattern",
    "malformed_value",
    "parse_date",
    "parse_ip",
    "parse_number",
    "split_operator",
]

FAMILIES: dict[str, tuple[str, bool]] = {
    "StringEquals": ("String", False),
    "StringNotEquals": ("String", True),
    "StringEqualsIgnoreCase": ("String", False),
    "StringNotEqualsIgnoreCase": ("String", True),
    "StringLike": ("String", False),
    "StringNotLike": ("String", True),
    "Bool": ("Bool", False),
    "BinaryEquals": ("Binary", False),
    "IpAddress": ("IpAddress", False),
    "NotIpAddress": ("IpAddress", True),
    "ArnEquals": ("Arn", False),
    "ArnLike": ("Arn", False),
    "ArnNotEquals": ("Arn", True),
    "ArnNotLike": ("Arn", True),
    "Null": ("Null", False),
    **{
        f"{family}{test}": (family, test == "NotEquals")
        for family in ("Numeric", "Date")
        for test in (
            "Equals",
            "NotEquals",
            "LessThan",
            "LessThanEquals",
            "GreaterThan",
            "GreaterThanEquals",
        )
    },
}
"""Base operator -> (family, negated)."""

_LOWER = {name.lower(): name for name in FAMILIES}


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``ForAnyValue:StringLikeIfExists`` -> ("any", "StringLike", True); None if unknown."""
    set_op: str | None = None
    name = operator
    if ":" in name:
        prefix, name = name.split(":", 1)
        low = prefix.lower()
        if low == "forallvalues":
            set_op = "all"
        elif low == "foranyvalue":
            set_op = "any"
        else:
            return None
    if_exists = False
    if name.lower().endswith("ifexists"):
        name = name[: -len("ifexists")]
        if_exists = True
    base = _LOWER.get(name.lower())
    if base is None or (base == "Null" and if_exists):
        return None
    return set_op, base, if_exists


_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_EPOCH = re.compile(r"-?\d+(\.\d+)?")


def parse_number(text: str) -> float | None:
    """An integer or decimal; not Python-only literals (``1_000``, ``nan``, ``inf``)."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return float(text)


def parse_date(text: str) -> float | None:
    """ISO 8601 (a missing offset is UTC) or epoch seconds, as a POSIX timestamp."""
    text = text.strip()
    if _EPOCH.fullmatch(text):
        return float(text)
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_ip(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """An address (a /32 or /128) or a CIDR block; host bits may be set, as AWS allows."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except (ValueError, TypeError):
        return None


def is_arn_pattern(text: str) -> bool:
    """``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` (segments may hold wildcards)."""
    return text.startswith("arn:") and text.count(":") >= 5


def _bool(text: str) -> bool:
    return text.lower() in ("true", "false")


_CHECKS: dict[str, tuple[Callable[[str], object], str]] = {
    "Numeric": (parse_number, "an integer or decimal number, e.g. 10 or 2.5"),
    "Date": (parse_date, "an ISO 8601 date (2024-01-31T12:00:00Z) or epoch seconds"),
    "IpAddress": (parse_ip, "an IPv4/IPv6 address or CIDR block, e.g. 203.0.113.0/24"),
    "Arn": (is_arn_pattern, "an ARN, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"),
    "Bool": (_bool, "true or false"),
    "Null": (_bool, "true (the key is absent) or false (it is present)"),
}


def malformed_value(base: str, value: str, *, variables: bool = True) -> str | None:
    """What a value of operator ``base`` must be, when ``value`` is not that; else None.

    With ``variables`` (2012-10-17 policies) a value holding ``${...}`` is left to
    evaluation, which replaces the variable first.
    """
    check = _CHECKS.get(FAMILIES[base][0])
    if check is None or (variables and "${" in value):
        return None
    parse, allowed = check
    ok = parse(value)
    return None if ok is not None and ok is not False else allowed
