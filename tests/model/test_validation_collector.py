"""The Collector: gathers every problem with its path, then raises them together."""

from __future__ import annotations

from typing import Any

import pytest

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.validation import Collector, join_path


@pytest.mark.parametrize(
    ("base", "key", "path"),
    [("", "name", "name"), ("spec", "credential", "spec.credential"), ("spec.x", 2, "spec.x[2]")],
)
def test_join_path(base: str, key: str | int, path: str) -> None:
    assert join_path(base, key) == path


def test_nothing_collected_raises_nothing() -> None:
    c = Collector()
    assert not c
    c.raise_if_any()


def test_all_problems_are_raised_together_in_order() -> None:
    c = Collector("connector")
    c.add("a", "first", given=1, allowed="x")
    c.extend([Problem("b", "second"), Problem("c", "third")])
    assert c
    with pytest.raises(ValidationFailed) as caught:
        c.raise_if_any()
    assert [p.path for p in caught.value.problems] == ["a", "b", "c"]
    assert caught.value.message.startswith("connector is not valid (3 problems):")
    assert caught.value.problems[0] == Problem("a", "first", given=1, allowed="x")


def test_mapping() -> None:
    c = Collector()
    assert c.mapping(None, "p") is None
    assert c.mapping({"a": 1}, "p", allowed_keys=("a",)) == {"a": 1}
    assert not c
    assert c.mapping([1], "p") is None
    assert c.mapping({"a": 1, "b": 2, "c": 3}, "p", allowed_keys=("a",)) == {"a": 1, "b": 2, "c": 3}
    assert [(p.path, p.message) for p in c.problems] == [
        ("p", "must be a mapping"),
        ("p.b", "unknown field"),
        ("p.c", "unknown field"),
    ]


@pytest.mark.parametrize(
    ("value", "kwargs", "result", "message"),
    [
        ("x", {}, "x", None),
        (5, {}, "5", None),
        (1.5, {}, "1.5", None),
        ("", {}, "", None),
        (None, {}, None, None),
        (None, {"required": True}, None, "is required"),
        ("  ", {"allow_empty": False}, None, "must not be empty"),
        (True, {}, None, "must be a string"),
        ([1], {}, None, "must be a string"),
        ({"a": 1}, {}, None, "must be a string"),
    ],
)
def test_string(
    value: Any, kwargs: dict[str, Any], result: str | None, message: str | None
) -> None:
    c = Collector()
    assert c.string(value, "p", **kwargs) == result
    assert [p.message for p in c.problems] == ([message] if message else [])


@pytest.mark.parametrize(
    ("value", "result", "message"),
    [
        (0, 0, None),
        (10, 10, None),
        ("7", 7, None),
        (" 7 ", 7, None),
        (None, None, "is required"),
        (11, None, "is out of range"),
        (-1, None, "is out of range"),
        ("-1", None, "is out of range"),
        (1.0, None, "must be an integer"),
        (False, None, "must be an integer"),
        ("ten", None, "must be an integer"),
    ],
)
def test_integer(value: Any, result: int | None, message: str | None) -> None:
    c = Collector()
    assert c.integer(value, "p", minimum=0, maximum=10) == result
    assert [p.message for p in c.problems] == ([message] if message else [])
    if message and message != "is required":
        assert c.problems[0].allowed == "0 to 10"


def test_optional_integer() -> None:
    c = Collector()
    assert c.integer(None, "p", minimum=0, maximum=1, required=False) is None
    assert not c
