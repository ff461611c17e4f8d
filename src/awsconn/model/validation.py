"""Collect every problem of a document before failing, each with its dotted path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsconn.errors import Problem, ValidationFailed

__all__ = ["Collector", "join_path"]


def join_path(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


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
        """Return ``value`` as a mapping, or record why it is not (and any unknown keys)."""
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.add(path, "must be a mapping", given=type(value).__name__)
            return None
        if allowed_keys is not None:
            for key in value:
                if key not in allowed_keys:
                    self.add(
                        join_path(path, str(key)),
                        "unknown field",
                        allowed=", ".join(allowed_keys),
                    )
        return value

    def string(
        self, value: Any, path: str, *, required: bool = False, allow_empty: bool = True
    ) -> str | None:
        """Return ``value`` as a string, or record why it is not."""
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(path, "must be a string", given=type(value).__name__)
            return None
        text = str(value)
        if not allow_empty and not text.strip():
            self.add(path, "must not be empty", given=text)
            return None
        return text

    def integer(
        self, value: Any, path: str, *, minimum: int, maximum: int, required: bool = True
    ) -> int | None:
        if value is None:
            if required:
                self.add(path, "is required", allowed=f"an integer from {minimum} to {maximum}")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                self.add(path, "must be an integer", given=value, allowed=f"{minimum} to {maximum}")
                return None
        if not minimum <= value <= maximum:
            self.add(path, "is out of range", given=value, allowed=f"{minimum} to {maximum}")
            return None
        return int(value)
