"""Collect every problem of a document before failing, each with its dotted path.

The Collector is the one gate every value of a document passes: text is checked for
length, unsafe characters and Harness expressions here, so no field can forget to.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from awsconn.errors import Problem, ValidationFailed, bounded_given
from awsconn.model.text_rules import MAX_TEXT_CHARS, expression_in, unsafe_character

__all__ = ["MAX_UNKNOWN_FIELDS", "Collector", "join_path", "key_label"]

MAX_UNKNOWN_FIELDS = 10
"""Unknown fields reported one by one per mapping; more are counted in one problem."""

_INTEGER = re.compile(r"\s*-?[0-9]{1,18}\s*\Z")  # ASCII digits only: "²".isdigit() is True


def join_path(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def key_label(key: Any) -> str:
    """A mapping key as it appears in a path; never fails, whatever YAML made of it."""
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool) and key.bit_length() > 64:
        return "<long integer>"
    return str(bounded_given(key))


def did_you_mean(key: Any, allowed: tuple[str, ...]) -> str | None:
    """The allowed field ``key`` was probably meant to be, if one is close."""
    if not isinstance(key, str) or len(key) > 64:
        return None
    folded = {a.lower(): a for a in allowed}
    if key.lower() in folded:
        return folded[key.lower()]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    return close[0] if close else None


class Collector:
    """Accumulates problems; ``raise_if_any`` raises them all at once as ValidationFailed."""

    def __init__(self, what: str = "input") -> None:
        self.what = what
        self.problems: list[Problem] = []

    def add(
        self, path: str, message: str, *, given: Any = None, allowed: str | None = None
    ) -> None:
        self.problems.append(Problem(path=path, message=message, given=given, allowed=allowed))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems, what=self.what)

    def mapping(
        self, value: Any, path: str, *, allowed_keys: tuple[str, ...] | None = None
    ) -> Mapping[str, Any] | None:
        """Return ``value`` as a mapping, or record why it is not (and any unknown keys).

        An unknown key is never ignored (a typo would silently drop a setting); the
        problem names the field it was probably meant to be.
        """
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.add(path, "must be a mapping", given=type(value).__name__)
            return None
        if allowed_keys is not None:
            unknown = [key for key in value if key not in allowed_keys]
            for key in unknown[:MAX_UNKNOWN_FIELDS]:
                meant = did_you_mean(key, allowed_keys)
                self.add(
                    join_path(path, key_label(key)),
                    f"unknown field; did you mean {meant!r}?" if meant else "unknown field",
                    allowed=", ".join(allowed_keys),
                )
            if len(unknown) > MAX_UNKNOWN_FIELDS:
                self.add(
                    path,
                    f"has {len(unknown) - MAX_UNKNOWN_FIELDS} more unknown fields",
                    allowed=", ".join(allowed_keys),
                )
        return value

    def sequence(self, value: Any, path: str, *, what: str, max_items: int) -> list[Any] | None:
        """Return ``value`` as a list of at most ``max_items``, or record why it is not."""
        if value is None:
            return None
        if not isinstance(value, list):
            self.add(path, f"must be a list of {what}", given=type(value).__name__)
            return None
        if len(value) > max_items:
            self.add(
                path,
                f"has {len(value)} entries, more than the limit of {max_items}",
                allowed=f"at most {max_items} {what}",
            )
            return None
        return value

    def string(
        self,
        value: Any,
        path: str,
        *,
        required: bool = False,
        allow_empty: bool = True,
        max_length: int = MAX_TEXT_CHARS,
        multiline: bool = False,
    ) -> str | None:
        """Return ``value`` as a string, or record why it is not.

        Numbers are taken as their text (YAML reads ``name: 1234`` as a number). Text
        longer than ``max_length``, with unsafe characters (``multiline`` allows line
        breaks and tabs) or holding a Harness expression ``<+...>`` is refused.
        """
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(path, "must be a string", given=type(value).__name__)
            return None
        # A number's text is only made when it is short enough to keep (str() of an int
        # over 4,300 digits raises).
        too_long = isinstance(value, int) and value.bit_length() > 4 * max_length
        text = "" if too_long else str(value)
        if too_long or len(text) > max_length:
            self.add(
                path,
                f"is longer than {max_length} characters"
                + ("" if too_long else f" ({len(text)} given)"),
                given=value if isinstance(value, str) else None,
                allowed=f"at most {max_length} characters",
            )
            return None
        why = unsafe_character(text, multiline=multiline)
        if why is not None:
            self.add(
                path,
                why,
                given=text,
                allowed="printable text"
                + (" (line breaks and tabs allowed)" if multiline else "")
                + "; no control characters or bidi overrides",
            )
            return None
        if expression_in(text):
            self.add(
                path,
                "is a Harness expression (<+...>); awsconn does not evaluate pipeline expressions",
                given=text,
                allowed="the literal value",
            )
            return None
        if not allow_empty and not text.strip():
            self.add(path, "must not be empty", given=text)
            return None
        return text

    def boolean(self, value: Any, path: str, *, default: bool) -> bool:
        """``value`` as a bool; absent or null is ``default``, anything else is a problem."""
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, "must be true or false", given=value)
            return default
        return value

    def integer(
        self, value: Any, path: str, *, minimum: int, maximum: int, required: bool = True
    ) -> int | None:
        if value is None:
            if required:
                self.add(path, "is required", allowed=f"an integer from {minimum} to {maximum}")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and _INTEGER.match(value):
                value = int(value)
            else:
                self.add(path, "must be an integer", given=value, allowed=f"{minimum} to {maximum}")
                return None
        if not minimum <= value <= maximum:
            self.add(path, "is out of range", given=value, allowed=f"{minimum} to {maximum}")
            return None
        return int(value)
