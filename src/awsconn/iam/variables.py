"""Policy variables and wildcards in policy text: ``${aws:username}``, ``${key, 'default'}``,
the escapes ``${*}`` ``${?}`` ``${$}``, and the ``*``/``?`` globs they sit among.

A pattern is tokenised once (at compile time); a request only substitutes values.
AWS: "If AWS cannot resolve a variable this might cause the entire statement to be
invalid" (IAM User Guide, policy variables), so :func:`resolve` returns ``None`` for a
variable without a default whose key the request lacks, and the evaluator decides what
that means for the element. Glob matching lives in :mod:`awsconn.iam.globs`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "QMARK",
    "STAR",
    "Context",
    "Pattern",
    "Token",
    "Var",
    "resolve",
    "tokenize",
    "unclosed_variable",
]

Context = Mapping[str, "str | Sequence[str]"]
"""Request context as the engine sees it: lower-cased key -> one value or several."""


@dataclass(frozen=True)
class Var:
    """A ``${key}`` or ``${key, 'default'}`` reference; ``key`` is lower-cased, ``name``
    is the key as the policy writes it (for explanations)."""

    key: str
    default: str | None
    name: str = ""


Token = str | Var
"""Literal text, the glob markers ``STAR``/``QMARK``, or a variable."""

STAR = "\x00*"
QMARK = "\x00?"
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_VAR = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")


@dataclass(frozen=True)
class Pattern:
    """A tokenised policy string; ``static`` holds it when it has no variables."""

    text: str
    tokens: tuple[Token, ...]
    static: bool

    @property
    def variables(self) -> tuple[Var, ...]:
        return tuple(t for t in self.tokens if isinstance(t, Var))


def _split_globs(text: str, out: list[Token]) -> None:
    buf: list[str] = []
    for ch in text:
        if ch in "*?":
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(STAR if ch == "*" else QMARK)
        else:
            buf.append(ch)
    if buf:
        out.append("".join(buf))


def tokenize(text: str, *, variables: bool) -> Pattern:
    """Tokenise ``text``; with ``variables=False`` (policy version 2008-10-17) ``${..}`` is text."""
    tokens: list[Token] = []
    static = True
    pos = 0
    if variables:
        for m in _VAR.finditer(text):
            _split_globs(text[pos : m.start()], tokens)
            inner = m.group(1)
            if inner in _ESCAPES:
                tokens.append(_ESCAPES[inner])
            else:
                d = _DEFAULT.match(inner)
                if d:
                    tokens.append(Var(d.group(1).lower(), d.group(2), d.group(1)))
                else:
                    name = inner.strip()
                    tokens.append(Var(name.lower(), None, name))
                static = False
            pos = m.end()
    _split_globs(text[pos:], tokens)
    return Pattern(text=text, tokens=tuple(tokens), static=static)


def unclosed_variable(text: str) -> bool:
    """``${`` without its ``}`` (or one variable inside another): AWS refuses the policy."""
    if "${" not in text:
        return False
    return "${" in _VAR.sub("", text) or any("${" in m.group(1) for m in _VAR.finditer(text))


def resolve(pattern: Pattern, context: Context) -> tuple[Token, ...] | None:
    """Substitute variables (their values become literal text); ``None`` if one is missing."""
    if pattern.static:
        return pattern.tokens
    out: list[Token] = []
    for tok in pattern.tokens:
        if isinstance(tok, Var):
            value = context.get(tok.key)
            if isinstance(value, str):
                out.append(value)
            elif value is not None and len(value) == 1:
                out.append(value[0])
            elif tok.default is not None:
                out.append(tok.default)
            else:
                return None
        else:
            out.append(tok)
    return tuple(out)
