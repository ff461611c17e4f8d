"""Policy JSON as the engine accepts it: nesting, keys and numbers bounded, so nothing
downstream (``json.dumps``, ``repr``, the grammar) can recurse too deep or fail on it.

A policy nests six levels (document, Statement list, statement, Condition, operator,
key, values) and a simulation case about ten; :data:`MAX_DEPTH` leaves room to spare.
Every problem names the path where it was found, e.g. ``Statement[0].Condition...``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from awsconn.errors import Problem, ValidationFailed

__all__ = ["MAX_DEPTH", "check_json", "load_json", "shown"]

MAX_DEPTH = 32

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)


def shown(value: Any) -> Any:
    """``value`` as an error may show it: short text, a plain scalar, or a type name
    (never a huge structure, nor an integer too long to print)."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**30 else "a number too large to show"
    return type(value).__name__


def _join(path: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else step


def _shown(path: str) -> str:
    """A path short enough to print: its start, and how many more levels there are."""
    if len(path) <= 200:
        return path
    return path[:200] + "..."


def _too_deep(text: str, limit: int) -> Problem:
    """Where ``text`` first nests deeper than ``limit`` (for a document json refused)."""
    stack: list[tuple[str, str | int]] = []  # (container, current key or index)
    last_string: str | None = None
    path = ""
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            last_string = tok
        elif tok in "[{":
            if len(stack) >= limit:
                break
            step: str | int = 0 if tok == "[" else ""
            stack.append((tok, step))
        elif tok in "]}":
            if stack:
                stack.pop()
        elif tok == ":" and stack and last_string is not None:
            try:
                key = json.loads(last_string)
            except ValueError:
                key = last_string
            stack[-1] = (stack[-1][0], str(key))
        elif tok == "," and stack and stack[-1][0] == "[":
            index = stack[-1][1]
            stack[-1] = ("[", index + 1 if isinstance(index, int) else 0)
    for _container, step in stack:
        path = _join(path, step)
    return Problem(_shown(path), f"is nested deeper than {limit} levels")


_Trail = tuple[Any, str | int] | None
"""The path to a value, as (parent trail, key or index): built into text only on a problem."""


def _path_of(trail: _Trail) -> str:
    steps: list[str | int] = []
    while trail is not None:
        trail, step = trail
        steps.append(step)
    path = ""
    for step in reversed(steps):
        path = _join(path, step)
    return _shown(path)


def _scalar_problem(item: Any, trail: _Trail) -> Problem | None:
    if isinstance(item, int) and not isinstance(item, bool):
        try:
            str(item)
        except ValueError:
            return Problem(_path_of(trail), "is a number too large to read")
        return None
    if item is None or isinstance(item, str | float | bool):
        return None
    return Problem(_path_of(trail), "must be a JSON value", given=type(item).__name__)


def check_json(value: Any, *, max_depth: int = MAX_DEPTH) -> Problem | None:
    """The first problem of a decoded value, walked without recursion: nested deeper
    than ``max_depth``, a key that is not a string, an integer too large to print."""
    if not isinstance(value, dict | list):
        return _scalar_problem(value, None)
    stack: list[tuple[Any, _Trail, int]] = [(value, None, 1)]
    while stack:
        item, trail, depth = stack.pop()
        if depth > max_depth:
            return Problem(_path_of(trail), f"is nested deeper than {max_depth} levels")
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    return Problem(_path_of(trail), "keys must be strings", given=shown(key))
            pairs: Any = item.items()
        else:
            pairs = enumerate(item)
        for step, child in pairs:
            if isinstance(child, str):
                continue
            if isinstance(child, dict | list):
                stack.append((child, (trail, step), depth + 1))
            else:
                problem = _scalar_problem(child, (trail, step))
                if problem is not None:
                    return problem
    return None


def load_json(text: str | bytes, *, what: str = "policy", max_depth: int = MAX_DEPTH) -> Any:
    """Decode JSON text within the limits; :class:`ValidationFailed` (exit 2) otherwise."""
    try:
        value = json.loads(text)
    except RecursionError:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        raise ValidationFailed([_too_deep(raw, max_depth)], what=what) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise ValidationFailed([Problem("", f"not JSON: {exc}")], what=what) from None
    problem = check_json(value, max_depth=max_depth)
    if problem is not None:
        raise ValidationFailed([problem], what=what)
    return value
