"""Identifiers and names as Harness defines them, alone and inside a connector document."""

from __future__ import annotations

import pytest
from model_documents import inherit_doc, problems, set_path

from awsconn.model.identifiers import (
    IDENTIFIER_RULE,
    NAME_RULE,
    RESERVED_IDENTIFIERS,
    identifier_problem,
    name_problem,
)

# Written out from the issue, not read from the module, so the module cannot drift.
RESERVED = [
    "or", "and", "eq", "ne", "lt", "gt", "le", "ge", "div", "mod", "not", "null", "true",
    "false", "new", "var", "return", "step", "parallel", "stepGroup", "org", "account",
    "class", "shellScriptProvisioner", "status", "liteEngineTask",
]  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [
        "a",
        "Z",
        "_",
        "_private",
        "prod_keys",
        "ProdKeys2",
        "a$",
        "cost$center",
        "a1$_b2",
        "x" * 128,
        "_" + "9" * 127,
        # Reserved words are case-sensitive: other spellings are ordinary identifiers.
        "Org",
        "ACCOUNT",
        "Null",
        "True",
        "stepgroup",
        "organisation",
        "accounts",
    ],
)
def test_valid_identifiers(value: str) -> None:
    assert identifier_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1abc",
        "9",
        "$a",
        "-a",
        "a-b",
        "a b",
        "a.b",
        "a/b",
        " a",
        "a ",
        "x" * 129,
        "é",
        "café",
        "a\n",  # a trailing newline must not slip past the end anchor
        "\na",
        "a\tb",
        "a\x00",
    ],
)
def test_invalid_identifiers(value: str) -> None:
    assert identifier_problem(value) == "is not a valid identifier"


@pytest.mark.parametrize("word", RESERVED)
def test_reserved_words_are_refused(word: str) -> None:
    assert identifier_problem(word) == "is a reserved word"


def test_reserved_word_list_is_exactly_the_issues() -> None:
    assert set(RESERVED_IDENTIFIERS) == set(RESERVED)


@pytest.mark.parametrize(
    "value",
    ["a", "Prod keys", "prod-keys_v1.2", "1", "." * 128, "A B C", " leading", "trailing "],
)
def test_valid_names(value: str) -> None:
    assert name_problem(value) is None


@pytest.mark.parametrize("value", ["", " ", "   "])
def test_blank_names_are_refused(value: str) -> None:
    assert name_problem(value) == "must not be blank"


@pytest.mark.parametrize(
    "value", ["a/b", "a:b", "a,b", "a@b", "a\tb", "café", "a\n", "line\nbreak", "emoji 🎉"]
)
def test_names_with_other_characters_are_refused(value: str) -> None:
    assert name_problem(value) == "has characters that are not allowed"


def test_name_length_limit_is_128() -> None:
    assert name_problem("n" * 128) is None
    why = name_problem("n" * 129)
    assert why is not None
    assert "128" in why  # says it is too long, not that a character is wrong


# --- the same rules inside a document, with the path and the allowed text -----------------


@pytest.mark.parametrize("value", ["1abc", "a-b", "a b", "class", "stepGroup"])
def test_document_identifier_problem_names_path_value_and_rule(value: str) -> None:
    doc = set_path(inherit_doc(), "identifier", value)
    [problem] = problems(doc)
    assert problem.path == "identifier"
    assert problem.given == value
    assert problem.allowed == IDENTIFIER_RULE


@pytest.mark.parametrize("value", ["", "a/b", "n*"])
def test_document_name_problem_names_path_value_and_rule(value: str) -> None:
    doc = set_path(inherit_doc(), "name", value)
    [problem] = problems(doc)
    assert problem.path == "name"
    assert problem.given == value
    assert problem.allowed == NAME_RULE


@pytest.mark.parametrize("field", ["name", "identifier"])
def test_document_name_and_identifier_are_at_most_128_characters(field: str) -> None:
    [problem] = problems(set_path(inherit_doc(), field, "n" * 129))
    assert (problem.path, problem.message) == (field, "is longer than 128 characters (129 given)")
    assert problem.allowed == "at most 128 characters"


@pytest.mark.parametrize("field", ["name", "identifier"])
def test_document_requires_name_and_identifier(field: str) -> None:
    doc = inherit_doc()
    del doc["connector"][field]
    [problem] = problems(doc)
    assert (problem.path, problem.message) == (field, "is required")


@pytest.mark.parametrize("field", ["orgIdentifier", "projectIdentifier"])
@pytest.mark.parametrize("value", ["org", "1x", "a-b"])
def test_scope_identifiers_follow_the_identifier_rule(field: str, value: str) -> None:
    doc = set_path(inherit_doc(), "orgIdentifier", "default")
    set_path(doc, field, value)
    [problem] = problems(doc)
    assert (problem.path, problem.given, problem.allowed) == (field, value, IDENTIFIER_RULE)
