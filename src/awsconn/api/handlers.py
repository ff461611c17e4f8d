"""The table of handlers: each route of ``paths.ROUTES`` is served by the function
registered here under its ``operation`` (``app.py`` builds the routes from both)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["HANDLERS", "handles"]

HANDLERS: dict[str, Callable[..., Any]] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def handles(operation: str) -> Callable[[_F], _F]:
    """Register the decorated function as the handler of ``operation``."""

    def register(fn: _F) -> _F:
        if operation in HANDLERS:
            raise RuntimeError(f"two handlers for {operation}")
        HANDLERS[operation] = fn
        return fn

    return register
