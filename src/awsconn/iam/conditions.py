"""Condition operators: one positive test per family, negation, ``...IfExists`` and the
``ForAllValues:``/``ForAnyValue:`` set qualifiers, applied the way AWS documents them.

* A missing key: positive operators fail, negated ones (``StringNotEquals``,
  ``NotIpAddress``, ``ArnNotLike``...) pass, ``...IfExists`` passes, ``ForAllValues``
  passes, ``ForAnyValue`` fails.
* Several values for one key in the policy: OR. Several keys or operators: AND.
* A negated operator is true when the request value matches none of the policy values.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from awsconn.iam.grammar import ConditionClause
from awsconn.iam.variables import (
    QMARK,
    STAR,
    Context,
    Pattern,
    Token,
    glob_regex,
    resolve,
    tokenize,
)

__all__ = ["OPERATORS", "CompiledCondition", "compile_condition", "split_operator"]

Test = Callable[[str, Sequence[str]], bool]
"""A positive test: does one request value match any of the policy values?"""


_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _number(text: str) -> float | None:
    """An integer or decimal; not Python-only literals (``1_000``, ``nan``, ``inf``)."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return float(text)


def _date(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _ordered(parse: Callable[[str], float | None], cmp: Callable[[float, float], bool]) -> Test:
    def test(value: str, policy: Sequence[str]) -> bool:
        left = parse(value)
        if left is None:
            return False
        for p in policy:
            right = parse(p)
            if right is not None and cmp(left, right):
                return True
        return False

    return test


def _string_equals(value: str, policy: Sequence[str]) -> bool:
    return value in policy


def _string_equals_ic(value: str, policy: Sequence[str]) -> bool:
    low = value.lower()
    return any(low == p.lower() for p in policy)


def _bool(value: str, policy: Sequence[str]) -> bool:
    low = value.lower()
    return any(low == p.lower() for p in policy)


def _binary(value: str, policy: Sequence[str]) -> bool:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return value in policy
    for p in policy:
        try:
            if base64.b64decode(p, validate=True) == raw:
                return True
        except ValueError:
            continue
    return False


def _ip(value: str, policy: Sequence[str]) -> bool:
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError:
        try:
            net = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return False
        addr = net.network_address
    for p in policy:
        try:
            if addr in ipaddress.ip_network(p.strip(), strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


class _GlobTest:
    """StringLike / ArnLike: policy values are globs; regexes are built once per value."""

    def __init__(self, *, arn: bool) -> None:
        self.arn = arn
        self.cache: dict[str, re.Pattern[str]] = {}

    def regex(self, text: str) -> re.Pattern[str]:
        rx = self.cache.get(text)
        if rx is None:
            if len(self.cache) > 4096:
                self.cache.clear()
            toks = [
                t.replace(_LITERAL_STAR, "*").replace(_LITERAL_QMARK, "?")
                if t not in (STAR, QMARK)
                else t
                for t in tokenize(text, variables=False).tokens
                if isinstance(t, str)
            ]
            rx = re.compile(glob_regex(toks, arn=self.arn), re.DOTALL)
            self.cache[text] = rx
        return rx

    def __call__(self, value: str, policy: Sequence[str]) -> bool:
        if self.arn and value.count(":") < 5:
            return False
        return any(self.regex(p).fullmatch(value) is not None for p in policy)


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _eq(a: float, b: float) -> bool:
    return a == b


def _operators() -> dict[str, tuple[str, bool, Test]]:
    """Base operator -> (family, negated, positive test)."""
    like = _GlobTest(arn=False)
    arn = _GlobTest(arn=True)
    ops: dict[str, tuple[str, bool, Test]] = {
        "StringEquals": ("String", False, _string_equals),
        "StringNotEquals": ("String", True, _string_equals),
        "StringEqualsIgnoreCase": ("String", False, _string_equals_ic),
        "StringNotEqualsIgnoreCase": ("String", True, _string_equals_ic),
        "StringLike": ("String", False, like),
        "StringNotLike": ("String", True, like),
        "Bool": ("Bool", False, _bool),
        "BinaryEquals": ("Binary", False, _binary),
        "IpAddress": ("IpAddress", False, _ip),
        "NotIpAddress": ("IpAddress", True, _ip),
        "ArnEquals": ("Arn", False, arn),
        "ArnLike": ("Arn", False, arn),
        "ArnNotEquals": ("Arn", True, arn),
        "ArnNotLike": ("Arn", True, arn),
    }
    for family, parse in (("Numeric", _number), ("Date", _date)):
        ops[f"{family}Equals"] = (family, False, _ordered(parse, _eq))
        ops[f"{family}NotEquals"] = (family, True, _ordered(parse, _eq))
        ops[f"{family}LessThan"] = (family, False, _ordered(parse, _lt))
        ops[f"{family}LessThanEquals"] = (family, False, _ordered(parse, _le))
        ops[f"{family}GreaterThan"] = (family, False, _ordered(parse, _gt))
        ops[f"{family}GreaterThanEquals"] = (family, False, _ordered(parse, _ge))
    return ops


OPERATORS = _operators()
_LOWER_OPS = {name.lower(): name for name in [*OPERATORS, "Null"]}


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``ForAnyValue:StringLikeIfExists`` -> ("any", "StringLike", True); None if unknown.

    Operator names are matched case-insensitively, as AWS accepts them.
    """
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
    base = _LOWER_OPS.get(name.lower())
    if base is None or (base == "Null" and if_exists):
        return None
    return set_op, base, if_exists


_LIKE = frozenset(
    {"StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"}
)
_LITERAL_STAR = "\ue000"
_LITERAL_QMARK = "\ue001"


def _join(tokens: Sequence[Token], *, like: bool) -> str:
    """Resolved tokens back to text; for glob operators, ``${*}``/``${?}`` stay literal."""
    out: list[str] = []
    for t in tokens:
        if t == STAR:
            out.append("*")
        elif t == QMARK:
            out.append("?")
        elif isinstance(t, str):
            out.append(t.replace("*", _LITERAL_STAR).replace("?", _LITERAL_QMARK) if like else t)
    return "".join(out)


def _values_of(context: Context, key: str) -> Sequence[str] | None:
    raw = context.get(key)
    if raw is None:
        return None
    if isinstance(raw, str):
        return (raw,)
    return raw


@dataclass
class CompiledCondition:
    """One clause ready to run; ``check`` is the fast path, ``explain`` says why it failed."""

    clause: ConditionClause
    key: str
    set_op: str | None
    base: str
    if_exists: bool
    negated: bool
    test: Test
    values: tuple[Pattern, ...]
    static_values: tuple[str, ...] | None
    like: bool

    def policy_values(self, context: Context) -> Sequence[str]:
        if self.static_values is not None:
            return self.static_values
        out: list[str] = []
        for p in self.values:
            toks = resolve(p, context)
            if toks is not None:
                out.append(_join(toks, like=self.like))
        return out

    def check(self, context: Context) -> bool:
        found = _values_of(context, self.key)
        if self.base == "Null":
            absent = found is None or len(found) == 0
            return any((v.lower() == "true") == absent for v in self.policy_values(context))
        if found is None or len(found) == 0:
            if self.if_exists or self.set_op == "all":
                return True
            if self.set_op == "any":
                return False
            return self.negated
        policy = self.policy_values(context)
        test = self.test
        if self.set_op == "all":
            if self.negated:
                return all(not test(v, policy) for v in found)
            return all(test(v, policy) for v in found)
        if self.set_op == "any":
            if self.negated:
                return any(not test(v, policy) for v in found)
            return any(test(v, policy) for v in found)
        hit = any(test(v, policy) for v in found)
        return not hit if self.negated else hit

    def explain(self, context: Context) -> dict[str, object]:
        """Why this clause failed: the clause, the request's values, whether the key was missing."""
        found = _values_of(context, self.key)
        return {
            "operator": self.clause.operator,
            "key": self.clause.key,
            "values": list(self.clause.values),
            "requestValues": None if found is None else list(found),
            "missingKey": found is None,
        }


def compile_condition(clause: ConditionClause, *, variables: bool) -> CompiledCondition:
    """Compile one clause (the operator was validated by the grammar)."""
    parts = split_operator(clause.operator)
    assert parts is not None, clause.operator
    set_op, base, if_exists = parts
    negated = False
    test: Test = _string_equals
    if base != "Null":
        _family, negated, test = OPERATORS[base]
    # Policy variables are substituted in condition values; ${*} etc. in a
    # StringLike value stay literal characters.
    patterns = tuple(tokenize(v, variables=variables) for v in clause.values)
    static = all(p.static for p in patterns)
    if static:
        static_values: tuple[str, ...] | None = clause.values
        if variables and any("${" in v for v in clause.values):
            like = base in _LIKE
            static_values = tuple(_join(p.tokens, like=like) for p in patterns)
    else:
        static_values = None
    return CompiledCondition(
        clause=clause,
        key=clause.key.lower(),
        set_op=set_op,
        base=base,
        if_exists=if_exists,
        negated=negated,
        test=test,
        values=patterns,
        static_values=static_values,
        like=base in _LIKE,
    )
