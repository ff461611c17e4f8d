"""Wildcard patterns (``*``, ``?``) matched in time linear in the text, and comparisons of
two patterns (for requests whose resource is itself a pattern, and for lint).

Policies and requests are user input. A glob with k stars written as a backtracking
regex (``.*a.*a.*b``) can take O(n^k) steps on a text that almost matches, so no glob is
run that way here. A glob is split at its stars into fixed-width blocks; each middle
block is matched in an atomic group at the earliest place it fits (``(?>.*?BLOCK)``),
which is never revisited, and the last block is anchored at the end. Taking the
earliest place is exact when every later star may absorb the text skipped: true for
plain globs and for ARN globs whose stars stay inside a segment (``[^:]*``). The one
shape where it is not, a star that may span ``:`` followed later by one that may not
(only in the first five segments of a Resource ARN), runs on a bit-parallel automaton
instead, which is linear too.

ARN semantics (``arn=True``): a wildcard in the first five segments stays inside its
segment; in the resource part it spans anything, ``/`` and ``:`` included. With
``resource=True`` (the Resource element) a ``*`` that ends a segment may also span
colons: AWS, "IAM JSON policy elements: Resource": "If the * wildcard is the last
character of a resource ARN segment, it can expand to match beyond the colon
boundaries" (so ``arn:aws:logs:*`` matches every log ARN).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from awsconn.iam.variables import QMARK, STAR, Token, tokenize

__all__ = ["Glob", "compile_glob", "covers", "glob_of_text", "intersects"]

_ANY: Final = 0
_NO_COLON: Final = 1
_Item = tuple[str, str | int]
"""("lit", text) | ("one", _ANY/_NO_COLON) | ("star", _ANY/_NO_COLON)."""


class _Automaton:
    """Shift-and over the glob's single-character steps; stars are self-loops on states."""

    __slots__ = ("any_step", "final", "literal", "loop_any", "loop_no_colon", "no_colon_step")

    def __init__(self, items: Sequence[_Item]) -> None:
        literal: dict[str, int] = {}
        any_step = no_colon_step = loop_any = loop_no_colon = 0
        state = 0
        for kind, value in items:
            if kind == "star":
                if value == _ANY:
                    loop_any |= 1 << state
                else:
                    loop_no_colon |= 1 << state
            elif kind == "lit":
                assert isinstance(value, str)
                for ch in value:
                    state += 1
                    literal[ch] = literal.get(ch, 0) | 1 << state
            else:
                state += 1
                if value == _ANY:
                    any_step |= 1 << state
                else:
                    no_colon_step |= 1 << state
        self.literal = literal
        self.any_step = any_step
        self.no_colon_step = no_colon_step
        self.loop_any = loop_any
        self.loop_no_colon = loop_no_colon & ~loop_any
        self.final = 1 << state

    def fullmatch(self, text: str) -> bool:
        states = 1
        literal, any_step, no_colon_step = self.literal, self.any_step, self.no_colon_step
        loop_any, loop_no_colon = self.loop_any, self.loop_no_colon
        for ch in text:
            step = literal.get(ch, 0) | any_step
            stay = states & loop_any
            if ch != ":":
                step |= no_colon_step
                stay |= states & loop_no_colon
            states = ((states << 1) & step) | stay
            if not states:
                return False
        return bool(states & self.final)


class Glob:
    """A compiled glob. ``source`` is a regex (linear by construction) that callers may
    join with others in one alternation; it is ``None`` for the rare shape that needs
    the automaton, and then only :meth:`fullmatch` matches. The regex itself is compiled
    on first use (action patterns only ever need the source)."""

    __slots__ = ("_automaton", "_regex", "source")

    def __init__(self, source: str | None, automaton: _Automaton | None) -> None:
        self.source = source
        self._automaton = automaton
        self._regex: re.Pattern[str] | None = None

    def fullmatch(self, text: str) -> bool:
        if self._automaton is not None:
            return self._automaton.fullmatch(text)
        rx = self._regex
        if rx is None:
            assert self.source is not None
            rx = self._regex = re.compile(self.source, re.DOTALL)
        return rx.fullmatch(text) is not None


def _items(tokens: Sequence[Token], *, arn: bool, resource: bool) -> list[_Item]:
    """Tokens to literal runs, one-character wildcards and stars (adjacent stars merged)."""
    items: list[_Item] = []
    colons = 0
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok == STAR:
            spans = not arn or colons >= 5
            if not spans and resource:
                nxt = tokens[i + 1] if i < last else None
                spans = nxt is None or (isinstance(nxt, str) and nxt.startswith(":"))
            kind = _ANY if spans else _NO_COLON
            if items and items[-1][0] == "star":  # ** is *; a colon-spanning one wins
                items[-1] = ("star", _ANY if _ANY in (kind, items[-1][1]) else _NO_COLON)
            else:
                items.append(("star", kind))
        elif tok == QMARK:
            items.append(("one", _NO_COLON if arn and colons < 5 else _ANY))
        else:
            assert isinstance(tok, str)
            colons += tok.count(":")
            if tok:
                items.append(("lit", tok))
    return items


def _block_regex(block: Sequence[_Item], literal: str | None) -> str:
    """A fixed-width block as regex; ``literal`` (a ``%s`` template) rewrites each literal
    character, e.g. to also accept a ``?`` that stands for it."""
    out = []
    for kind, value in block:
        if kind == "lit":
            assert isinstance(value, str)
            if literal is None:
                out.append(re.escape(value))
            else:
                out.append("".join(literal % re.escape(c) for c in value))
        else:
            out.append("." if value == _ANY else "[^:]")
    return "".join(out)


def _compile(items: Sequence[_Item], literal: str | None = None) -> Glob:
    blocks: list[list[_Item]] = [[]]
    stars: list[str | int] = []
    for item in items:
        if item[0] == "star":
            stars.append(item[1])
            blocks.append([])
        else:
            blocks[-1].append(item)
    # The earliest-fit choice is exact unless a colon-spanning star is followed by one
    # that may not span colons: the text it skipped might then be needed by the later one.
    if any(a == _ANY and b == _NO_COLON for a, b in itertools.pairwise(stars)):
        return Glob(None, _Automaton(items))
    parts = [_block_regex(blocks[0], literal)]
    for i, star in enumerate(stars):
        block = _block_regex(blocks[i + 1], literal)
        wild = ".*" if star == _ANY else "[^:]*"
        if i < len(stars) - 1:
            parts.append(f"(?>{wild}?{block})")
        else:
            parts.append(f"{wild}{block}")
    return Glob("".join(parts), None)


def compile_glob(tokens: Sequence[Token], *, arn: bool, resource: bool = False) -> Glob:
    """Compile tokenised glob text (see :mod:`awsconn.iam.variables`); see the module doc."""
    return _compile(_items(tokens, arn=arn, resource=resource))


@lru_cache(maxsize=4096)
def glob_of_text(text: str) -> Glob:
    """A plain glob (``*`` any text, ``?`` one character), e.g. an action pattern."""
    return compile_glob(tokenize(text, variables=False).tokens, arn=False)


@lru_cache(maxsize=4096)
def _glob_over_patterns(text: str) -> Glob:
    """``text`` as a glob over texts that are themselves patterns: a literal character
    also matches a ``?`` there (which may stand for it)."""
    items = _items(tokenize(text, variables=False).tokens, arn=False, resource=False)
    return _compile(items, literal=r"(?:%s|\?)")


def _compatible(a: str, b: str) -> bool:
    """Same-length star-free globs that some one string matches."""
    return all(x == y or x == "?" or y == "?" for x, y in zip(a, b, strict=True))


def intersects(a: str, b: str) -> bool:
    """Is there a string that both globs (``*``, ``?``) match? Linear in their length.

    With a star in each, yes exactly when their texts before the first star agree and
    their texts after the last star agree (a string can hold both middles in turn);
    with a star in one, the other is matched against it as text.
    """
    if a == "*" or b == "*":
        return True
    star_a, star_b = "*" in a, "*" in b
    if star_a and star_b:
        head_a, head_b = a[: a.index("*")], b[: b.index("*")]
        tail_a, tail_b = a[a.rindex("*") + 1 :], b[b.rindex("*") + 1 :]
        n, m = min(len(head_a), len(head_b)), min(len(tail_a), len(tail_b))
        return _compatible(head_a[:n], head_b[:n]) and _compatible(
            tail_a[len(tail_a) - m :], tail_b[len(tail_b) - m :]
        )
    if star_a:
        return _glob_over_patterns(a).fullmatch(b)
    if star_b:
        return _glob_over_patterns(b).fullmatch(a)
    return len(a) == len(b) and _compatible(a, b)


def covers(outer: str, inner: str) -> bool:
    """Does glob ``outer`` match every string that glob ``inner`` matches?

    Decided by matching ``inner``'s text against ``outer`` (a ``*`` in ``outer`` also
    matches ``inner``'s wildcards); exact for the patterns policies use.
    """
    if outer == "*":
        return True
    return glob_of_text(outer).fullmatch(inner)
