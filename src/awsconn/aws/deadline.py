"""Bound a whole AWS operation in time, retries and credential refreshes included.

botocore's timeouts apply per HTTP attempt, retries multiply them, and the STS
clients botocore builds for assumed roles use their own defaults; so an operation
that must answer in time runs in a daemon thread that is abandoned at the deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from awsconn.errors import AwsCallFailed, AwsFailure

__all__ = ["call_within"]

T = TypeVar("T")


def call_within(timeout_s: float, fn: Callable[[], T], *, what: str) -> T:
    """``fn()``, or AwsCallFailed(TIMEOUT) naming ``what`` when it takes over ``timeout_s``."""
    box: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name=f"awsconn:{what}", daemon=True).start()
    if not done.wait(timeout_s):
        raise AwsCallFailed(
            AwsFailure(
                "TIMEOUT",
                f"{what} did not finish within {timeout_s:g} s",
                "The endpoint (or the STS endpoint behind a cross-account role) did not "
                "answer in time, retries included: check the network path, proxy and "
                "AWS_ENDPOINT_URL, or raise --timeout.",
            )
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
