"""Comparing two globs, for requests whose resource is itself a pattern
(``arn:aws:s3:::bucket/*`` or ``*``, "some resource of this kind")."""

from __future__ import annotations

import re
from functools import cache

__all__ = ["covers", "intersects"]


def intersects(a: str, b: str) -> bool:
    """Is there a string that both globs (``*``, ``?``) match?"""
    if a == "*" or b == "*":
        return True
    for x, y in zip(a, b, strict=False):  # literal prefixes must agree
        if x in "*?" or y in "*?":
            break
        if x != y:
            return False

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        if i < len(a) and j < len(b) and (a[i] == b[j] or a[i] == "?" or b[j] == "?"):
            return go(i + 1, j + 1)
        return False

    return go(0, 0)


def covers(outer: str, inner: str) -> bool:
    """Does glob ``outer`` match every string that glob ``inner`` matches?

    Decided by matching ``inner``'s text against ``outer`` (a ``*`` in ``outer`` also
    matches ``inner``'s wildcards); exact for the patterns policies use.
    """
    if outer == "*":
        return True
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in outer)
    return re.fullmatch(rx, inner, re.DOTALL) is not None
