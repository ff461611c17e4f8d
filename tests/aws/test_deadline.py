"""One deadline bounds a whole AWS operation; a budget that is not a number is refused."""

from __future__ import annotations

import threading

import pytest

from awsconn.aws.deadline import Deadline, DeadlinePassed
from awsconn.errors import InvalidInput


@pytest.mark.parametrize("budget", [float("inf"), float("nan"), -1.0, 0.0, 1e300])
def test_a_budget_that_is_not_a_usable_number_is_refused_as_input(budget: float) -> None:
    with pytest.raises(InvalidInput, match="timeout"):
        Deadline(budget)


def test_an_operation_past_its_deadline_is_a_timeout_naming_it() -> None:
    release = threading.Event()
    try:
        with pytest.raises(DeadlinePassed) as info:
            Deadline(0.2).call(lambda: release.wait(30), what="AssumeRole of r")
    finally:
        release.set()
    assert info.value.failure.code == "TIMEOUT"
    assert info.value.failure.message == "AssumeRole of r did not finish within 0.2 s"
    assert info.value.failure.hint


def test_an_answer_in_time_is_returned_and_an_error_re_raised() -> None:
    assert Deadline(5).call(lambda: 42, what="x") == 42

    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        Deadline(5).call(fail, what="x")


def test_time_left_counts_down_on_the_given_timer() -> None:
    now = [100.0]
    deadline = Deadline(10, timer=lambda: now[0])
    config = deadline.attempt_config()
    assert (config.connect_timeout, config.read_timeout) == (10, 10)
    now[0] = 104.0
    assert deadline.remaining() == 6.0
    assert deadline.elapsed_ms() == 4000
    assert not deadline.expired()
    config = deadline.attempt_config()  # an attempt never outlives the budget left
    assert (config.connect_timeout, config.read_timeout) == (6, 6)
    now[0] = 110.0
    assert deadline.expired() and deadline.remaining() == 0.0
