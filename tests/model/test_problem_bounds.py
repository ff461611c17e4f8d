"""A Problem never echoes more than a short prefix of a bad value, never writes control
characters raw, and one error lists a bounded number of problems: whatever the input."""

from __future__ import annotations

import json

import pytest
from model_documents import inherit_doc, manual_doc, problems, set_path

from awsconn.errors import MAX_GIVEN_CHARS, MAX_REPORTED_PROBLEMS, Problem, ValidationFailed
from awsconn.model import parse_connector


def test_a_huge_text_value_is_cut_to_a_short_prefix_that_says_how_long_it_was() -> None:
    value = "A" * 20_000_000
    problem = Problem("name", "is wrong", given=value)
    assert isinstance(problem.given, str)
    assert problem.given.startswith("A" * MAX_GIVEN_CHARS)
    assert problem.given.endswith("… (20000000 characters)")
    assert len(str(problem)) < 300
    assert len(json.dumps(problem.to_dict())) < 300


def test_a_twenty_megabyte_field_is_not_echoed_back() -> None:
    doc = set_path(manual_doc(), "spec.credential.region", "r" * 20_000_000)
    with pytest.raises(ValidationFailed) as caught:
        from awsconn.model import parse_connector_document

        parse_connector_document(doc)
    assert len(caught.value.message) < 1000
    assert len(json.dumps(caught.value.to_dict())) < 1000


@pytest.mark.parametrize(
    "given",
    [
        {"k": ["x" * 1000] * 1000},
        [[[[[["deep"]]]]]] * 10_000,
        {"x": 10**5000},
        b"\x00" * 100_000,
    ],
    ids=["mapping", "nested-list", "huge-int-inside", "bytes"],
)
def test_a_container_is_summarised_briefly(given: object) -> None:
    problem = Problem("p", "m", given=given)
    assert isinstance(problem.given, str)
    assert len(problem.given) <= MAX_GIVEN_CHARS + 40
    str(problem)
    json.dumps(problem.to_dict())


def test_a_shared_structure_that_would_print_exponentially_is_summarised() -> None:
    level: list[object] = ["x"] * 9
    for _ in range(9):  # 9**9 leaves if printed in full
        level = [level] * 9
    problem = Problem("p", "m", given=level)
    assert len(str(problem)) < 400


def test_a_huge_integer_is_named_not_printed() -> None:
    problem = Problem("p", "m", given=10**5000)  # str() of it would raise
    assert problem.given == "<integer too long to show>"
    assert Problem("p", "m", given=12345).given == 12345


def test_path_message_and_allowed_are_bounded_and_escaped() -> None:
    problem = Problem("tags." + "\x1b[31m" * 1000, "bad\nline" * 1000, allowed="\u202e" * 3000)
    text = str(problem)
    assert "\x1b" not in text and "\n" not in text and "\u202e" not in text
    assert len(text) < 3000
    assert "\\x1b" in problem.path


def test_one_error_lists_a_bounded_number_of_problems_and_counts_the_rest() -> None:
    error = ValidationFailed([Problem(f"p{i}", "bad") for i in range(10_000)], what="input")
    assert len(error.problems) == MAX_REPORTED_PROBLEMS
    assert error.problems[-1].message.startswith(f"and {10_000 - MAX_REPORTED_PROBLEMS + 1} more")
    assert error.message.startswith("input is not valid (10000 problems):")


@pytest.mark.parametrize(
    "path",
    [
        "spec.executeOnDelegate",
        "spec.credential.spec",
        "spec.awsSdkClientBackOffStrategyOverride.spec.retryCount",
    ],
)
def test_a_shared_structure_in_a_document_gives_a_small_error(path: str) -> None:
    # What a YAML alias bomb becomes once loaded: a small DAG that prints as gigabytes.
    level: list[object] = ["lol"] * 9
    for _ in range(9):
        level = [level] * 9
    doc = set_path(inherit_doc(), path, level)
    if "BackOff" in path:
        set_path(doc, "spec.awsSdkClientBackOffStrategyOverride.type", "FixedDelayBackoffStrategy")
        set_path(doc, "spec.awsSdkClientBackOffStrategyOverride.spec.fixedBackoff", 1)
    found = problems(doc)
    assert [p.path for p in found] == [path]
    error = ValidationFailed(found)
    assert len(error.message) < 1000
    assert len(json.dumps(error.to_dict())) < 1000


def test_problems_of_a_parse_are_bounded_too() -> None:
    outcome = parse_connector(set_path(inherit_doc(), "identifier", "9" + "x" * 5000))
    assert all(len(str(p)) < 400 for p in outcome.problems)
