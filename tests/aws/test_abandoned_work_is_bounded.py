"""Work abandoned at a deadline ends soon after it, and at most a few such threads live.

A long-running server times out many AWS calls; each one abandoned used to keep its
thread for botocore's own timeouts (60 s per attempt for the STS client behind a
cross-account role, times its retries). The calls now run with per-attempt timeouts no
longer than what is left of the budget and stop retrying once it has passed, and the
number of abandoned threads alive at once is capped.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from awsconn.aws.deadline import Deadline, DeadlinePassed, Workers
from awsconn.aws.local_endpoint import isolated_environ
from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys

ROLE_SPEC = SessionSpec(
    "account/silent",
    "ManualConfig",
    "us-east-1",
    static_keys=StaticKeys("AKIASILENT0000000001", "silent-secret"),
    role_arn="arn:aws:iam::123456789012:role/silent",
)


def _workers_alive() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("awsconn:"))


def _wait_for(condition: object, seconds: float) -> bool:
    """Poll ``condition()`` until true or a generous watchdog passes (not a timing claim)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return bool(condition())  # type: ignore[operator]


@pytest.mark.timeout(120)
def test_fifty_timeouts_against_a_silent_endpoint_leave_no_thread_behind(
    silent_endpoint: str, tmp_path: Path
) -> None:
    factory = SessionFactory(isolated_environ(silent_endpoint, tmp_path / "aws"))
    baseline = threading.active_count()

    def one(_: int) -> str:
        try:
            factory.list_regions(ROLE_SPEC, timeout_s=0.3)
        except DeadlinePassed as exc:
            return exc.failure.code
        return "answered"

    with ThreadPoolExecutor(max_workers=10) as callers:
        codes = list(callers.map(one, range(50)))
    assert codes == ["TIMEOUT"] * 50
    # botocore's own STS timeouts (60 s per attempt, retried) would keep them far longer.
    assert _wait_for(lambda: threading.active_count() <= baseline, 30), [
        t.name for t in threading.enumerate()
    ]
    assert _workers_alive() == 0


def test_beyond_the_cap_new_work_waits_for_its_deadline_then_fails_saying_why() -> None:
    workers = Workers(max_abandoned=2)
    release = threading.Event()
    try:
        for _ in range(2):
            with pytest.raises(DeadlinePassed):
                Deadline(0.1, workers=workers).call(lambda: release.wait(30), what="hung call")
        assert workers.abandoned == 2
        with pytest.raises(DeadlinePassed) as info:
            Deadline(0.2, workers=workers).call(lambda: 1, what="DescribeRegions in us-east-1")
        assert info.value.failure.code == "TIMEOUT"
        assert "2 AWS operations abandoned at their deadline" in info.value.failure.message
        assert "DescribeRegions in us-east-1" in info.value.failure.message
    finally:
        release.set()
    assert _wait_for(lambda: workers.abandoned == 0, 10)
    assert Deadline(5, workers=workers).call(lambda: 42, what="x") == 42


def test_work_that_waits_for_a_slot_runs_once_one_frees() -> None:
    workers = Workers(max_abandoned=1)
    release = threading.Event()
    with pytest.raises(DeadlinePassed):
        Deadline(0.1, workers=workers).call(lambda: release.wait(30), what="hung call")
    threading.Timer(0.2, release.set).start()
    assert Deadline(10, workers=workers).call(lambda: "ran", what="next") == "ran"
