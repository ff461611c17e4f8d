"""Condition operators: one positive test per family, negation, ``...IfExists`` and the
``ForAllValues:``/``ForAnyValue:`` set qualifiers, applied the way AWS documents them.

* A missing key: positive operators fail, negated ones (``StringNotEquals``,
  ``NotIpAddress``, ``ArnNotLike``...) pass, ``...IfExists`` passes, ``ForAllValues``
  passes, ``ForAnyValue`` fails.
* Several values for one key in the policy: OR. Several keys or operators: AND.
* A negated operator is true when the request value matches none of the policy values.
* A key the request declares unknown (``Request.unknown_keys``) makes every clause on
  it, or with a variable of it in its values, unknown: :meth:`CompiledCondition.unknown`.

Operator names and value formats are :mod:`awsconn.iam.operators`; glob matching
(``StringLike``, ``ArnLike``) is :mod:`awsconn.iam.globs`, linear in the value.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from awsconn.iam.globs import Glob, compile_glob
from awsconn.iam.grammar import ConditionClause
from awsconn.iam.operators import FAMILIES, parse_date, parse_ip, parse_number, split_operator
from awsconn.iam.variables import QMARK, STAR, Context, Pattern, Token, resolve, tokenize

__all__ = ["CompiledCondition", "compile_condition"]

Test = Callable[[str, Sequence[str]], bool]
"""A positive test: does one request value match any of the policy values?"""


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
        block = parse_ip(value)
        if block is None:
            return False
        addr = block.network_address
    for p in policy:
        net = parse_ip(p)
        if net is not None and addr in net:
            return True
    return False


class _GlobTest:
    """StringLike / ArnLike: policy values are globs, compiled once per value."""

    def __init__(self, *, arn: bool) -> None:
        self.arn = arn
        self.cache: dict[str, Glob] = {}

    def glob(self, text: str) -> Glob:
        found = self.cache.get(text)
        if found is None:
            if len(self.cache) > 4096:
                self.cache.clear()
            toks = [
                t.replace(_LITERAL_STAR, "*").replace(_LITERAL_QMARK, "?")
                if t not in (STAR, QMARK)
                else t
                for t in tokenize(text, variables=False).tokens
                if isinstance(t, str)
            ]
            found = self.cache[text] = compile_glob(toks, arn=self.arn)
        return found

    def __call__(self, value: str, policy: Sequence[str]) -> bool:
        if self.arn and value.count(":") < 5:
            return False
        return any(self.glob(p).fullmatch(value) for p in policy)


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


def _tests() -> dict[str, Test]:
    """Base operator -> its positive test (negation and qualifiers are applied around it)."""
    like = _GlobTest(arn=False)
    arn = _GlobTest(arn=True)
    tests: dict[str, Test] = {
        "StringEquals": _string_equals,
        "StringNotEquals": _string_equals,
        "StringEqualsIgnoreCase": _string_equals_ic,
        "StringNotEqualsIgnoreCase": _string_equals_ic,
        "StringLike": like,
        "StringNotLike": like,
        "Bool": _bool,
        "BinaryEquals": _binary,
        "IpAddress": _ip,
        "NotIpAddress": _ip,
        "ArnEquals": arn,
        "ArnLike": arn,
        "ArnNotEquals": arn,
        "ArnNotLike": arn,
        "Null": _string_equals,  # not used: Null is decided on presence
    }
    for family, parse in (("Numeric", parse_number), ("Date", parse_date)):
        tests[f"{family}Equals"] = _ordered(parse, _eq)
        tests[f"{family}NotEquals"] = _ordered(parse, _eq)
        tests[f"{family}LessThan"] = _ordered(parse, _lt)
        tests[f"{family}LessThanEquals"] = _ordered(parse, _le)
        tests[f"{family}GreaterThan"] = _ordered(parse, _gt)
        tests[f"{family}GreaterThanEquals"] = _ordered(parse, _ge)
    assert tests.keys() == FAMILIES.keys()
    return tests


_TESTS = _tests()


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
    variable_keys: frozenset[str] = frozenset()

    def unknown(self, unknown: frozenset[str]) -> bool:
        """Whether the clause's truth depends on a key the request leaves unknown: its own
        key (whatever the operator: Null, IfExists, negated, qualified) or a variable's."""
        return self.key in unknown or not self.variable_keys.isdisjoint(unknown)

    def unknown_names(self, unknown: frozenset[str]) -> list[str]:
        """The unknown keys this clause depends on, as the policy writes them."""
        names = [self.clause.key] if self.key in unknown else []
        names += [v.name for p in self.values for v in p.variables if v.key in unknown]
        return names

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

    def explain(self, context: Context, *, unknown: bool = False) -> dict[str, object]:
        """Why this clause failed (or, ``unknown``, why it may): the clause, the request's
        values, whether the key was missing, whether it is unknown."""
        found = None if unknown else _values_of(context, self.key)
        out: dict[str, object] = {
            "operator": self.clause.operator,
            "key": self.clause.key,
            "values": list(self.clause.values),
            "requestValues": None if found is None else list(found),
            "missingKey": found is None and not unknown,
        }
        if unknown:
            out["unknownKey"] = True
        return out


def compile_condition(clause: ConditionClause, *, variables: bool) -> CompiledCondition:
    """Compile one clause (the operator was validated by the grammar)."""
    parts = split_operator(clause.operator)
    assert parts is not None, clause.operator
    set_op, base, if_exists = parts
    negated = FAMILIES[base][1]
    test = _TESTS[base]
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
        variable_keys=frozenset(v.key for p in patterns for v in p.variables),
    )
