"""Policy variables and wildcards in policy text: ``${aws:username}``, ``${key, 'default'}``,
the escapes ``${*}`` ``${?}`` ``${$}``, and the ``*``/``?`` globs they sit among.

A pattern is tokenised once (at compile time); a request only substitutes values.
AWS: a variable whose key is absent from the request (and has no default) makes the
element not match, so :func:`resolve` returns ``None`` then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Context",
    "Pattern",
    "Var",
    "glob_regex",
    "has_wildcard",
    "resolve",
    "tokenize",
]

Context = Mapping[str, "str | Sequence[str]"]
"""Request context as the engine sees it: lower-cased key -> one value or several."""


@dataclass(frozen=True)
class Var:
    """A ``${key}`` or ``${key, 'default'}`` reference; ``key`` is lower-cased."""

    key: str
    default: str | None


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
                    tokens.append(Var(d.group(1).lower(), d.group(2)))
                else:
                    tokens.append(Var(inner.strip().lower(), None))
                static = False
            pos = m.end()
    _split_globs(text[pos:], tokens)
    return Pattern(text=text, tokens=tuple(tokens), static=static)


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


def has_wildcard(tokens: Sequence[Token]) -> bool:
    return any(t in (STAR, QMARK) for t in tokens)


def glob_regex(tokens: Sequence[Token], *, arn: bool, resource: bool = False) -> str:
    """Regex source for a tokenised glob.

    With ``arn=True`` a wildcard in the first five ARN segments stays inside its
    segment (AWS matches ARNs segment by segment); in the resource part it spans
    anything, ``/`` and ``:`` included. With ``resource=True`` (the Resource element)
    a ``*`` that ends a segment may also span colons: AWS, "IAM JSON policy elements:
    Resource": "If the * wildcard is the last character of a resource ARN segment, it
    can expand to match beyond the colon boundaries" (so ``arn:aws:logs:*`` matches).
    """
    parts: list[str] = []
    colons = 0
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok == STAR:
            spans = not arn or colons >= 5
            if not spans and resource:
                nxt = tokens[i + 1] if i < last else None
                spans = nxt is None or (isinstance(nxt, str) and nxt.startswith(":"))
            parts.append(".*" if spans else "[^:]*")
        elif tok == QMARK:
            parts.append("[^:]" if arn and colons < 5 else ".")
        else:
            assert isinstance(tok, str)
            colons += tok.count(":")
            parts.append(re.escape(tok))
    return "".join(parts)
