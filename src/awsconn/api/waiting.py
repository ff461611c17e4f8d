"""Requests that wait for delegates run in a thread pool of their own.

A delegate's long poll (``take``) and a request answered by a delegate's task (a
connection test, regions, credentials or a permission check of a connector that needs a
delegate) hold a thread while they wait. In the request pool (``settings.threads``) a
burst of them would leave no thread for the calls that end those waits (a delegate's
``finish`` and ``heartbeat``), so they run under :data:`WAITING_THREADS` tokens of their
own: blocked waits never starve the rest of the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

__all__ = ["WAITING_THREADS", "run_waiting"]

WAITING_THREADS = 1000
"""Requests that may wait for delegates at once, per worker process."""

_T = TypeVar("_T")


def _limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    found: anyio.CapacityLimiter | None = getattr(state, "waiting_limiter", None)
    if found is None:  # made in the event loop's thread: no race between two requests
        found = state.waiting_limiter = anyio.CapacityLimiter(WAITING_THREADS)
    return found


async def run_waiting(request: Request, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``fn(*args, **kwargs)`` in the waiting pool (see the module docstring)."""
    call = functools.partial(fn, *args, **kwargs)
    return await anyio.to_thread.run_sync(call, limiter=_limiter(request))
