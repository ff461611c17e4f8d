"""What AWS and Harness accept, checked at parse time: External IDs, access key IDs, the
length of every text field and the size of every list (the limit in the message), no
control characters or bidi overrides, unknown fields with a suggestion."""

from __future__ import annotations

from typing import Any

import pytest
from model_documents import ROLE_ARN, inherit_doc, manual_doc, problems, set_path

from awsconn.errors import ValidationFailed
from awsconn.model import Scope, parse_connector, parse_connector_document, scope_of_settings
from awsconn.model.credentials import ACCESS_KEY_RULE, EXTERNAL_ID_RULE

MANUAL = "spec.credential.spec"
EXTERNAL_ID = "spec.credential.crossAccountAccess.externalId"


def _with_external_id(value: Any) -> dict[str, Any]:
    return set_path(
        manual_doc(),
        "spec.credential.crossAccountAccess",
        {"crossAccountRoleArn": ROLE_ARN, "externalId": value},
    )


# --- External ID: 2-1224 characters of [\w+=,.@:/-] -----------------------------------------


@pytest.mark.parametrize(
    "value", ["ab", "x" * 1224, "A_z0+=,.@:/-", "arn:aws:sts::1:x/y", "4f1c0e9b-8d2a"]
)
def test_external_ids_aws_accepts(value: str) -> None:
    cross = parse_connector_document(_with_external_id(value)).credential.cross_account
    assert cross is not None and cross.external_id == value


@pytest.mark.parametrize(
    "value", ["a", "has space", "semi;colon", "quote'", "ünï", "star*", "x" * 1225]
)
def test_external_ids_aws_refuses(value: str) -> None:
    [problem] = problems(_with_external_id(value))
    assert problem.path == EXTERNAL_ID
    assert problem.allowed is not None
    assert "1224" in problem.allowed or "1224" in problem.message


def test_the_external_id_rule_is_stated() -> None:
    [problem] = problems(_with_external_id("has space"))
    assert problem.allowed == EXTERNAL_ID_RULE


# --- access key IDs as AWS issues them ------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["AKIAIOSFODNN7EXAMPLE", "AKIA" + "Z" * 12, "AKIA" + "0" * 124, "ASIA" + "A" * 16]
)
def test_access_key_ids_aws_issues(value: str) -> None:
    spec = {"accessKey": value, "secretKeyRef": "sk", "sessionTokenRef": "tok"}
    manual = parse_connector_document(set_path(manual_doc(), MANUAL, spec)).credential.manual
    assert manual is not None and manual.access_key == value


@pytest.mark.parametrize(
    "value",
    [
        "AKIA" + "Z" * 11,  # 15 characters
        "AKIA" + "0" * 125,  # 129 characters
        "akiaiosfodnn7example",
        "AKIAIOSFODNN7EXAMPL_",
        "AKIAIOSFODNN7EXAMPLE ",
        "AIDAIOSFODNN7EXAMPLE",  # a user's unique ID, not an access key
        "AROAIOSFODNN7EXAMPLE",  # a role's unique ID
        "test",
        "AKIAIOSFODNN7EXAMPLÉ",
    ],
)
def test_access_key_ids_aws_does_not_issue(value: str) -> None:
    [problem] = problems(set_path(manual_doc(), f"{MANUAL}.accessKey", value))
    assert (problem.path, problem.message) == (f"{MANUAL}.accessKey", "is not an AWS access key ID")
    assert problem.allowed == ACCESS_KEY_RULE


# --- the length of every text field, with the limit in the message --------------------------

LENGTH_LIMITS = [
    ("name", 128),
    ("identifier", 128),
    ("description", 1024),
    ("accountIdentifier", 128),
    ("orgIdentifier", 128),
    ("tags.team", 256),
    ("spec.credential.region", 256),
    (f"{MANUAL}.secretKeyRef", 256),
    (f"{MANUAL}.accessKeyRef", 256),
    (EXTERNAL_ID, 1224),
    ("spec.credential.crossAccountAccess.crossAccountRoleArn", 2048),
    ("spec.awsSdkClientBackOffStrategyOverride.type", 256),
]


@pytest.mark.parametrize(("path", "limit"), LENGTH_LIMITS)
def test_every_text_field_has_a_length_limit_named_in_the_message(path: str, limit: int) -> None:
    doc = manual_doc()
    if path == f"{MANUAL}.accessKeyRef":
        del doc["connector"]["spec"]["credential"]["spec"]["accessKey"]
    value = "a" * (limit + 1)
    found = [p for p in problems(set_path(doc, path, value)) if p.path == path]
    assert len(found) == 1, found
    [problem] = found
    assert problem.message == f"is longer than {limit} characters ({limit + 1} given)"
    assert problem.allowed == f"at most {limit} characters"
    assert isinstance(problem.given, str) and len(problem.given) < 200  # a prefix, not all


@pytest.mark.parametrize(
    ("path", "item", "limit"),
    [("spec.delegateSelectors", "sel", 64), ("spec.capabilities", "s3-read", 64)],
)
def test_lists_have_a_size_limit_named_in_the_message(path: str, item: str, limit: int) -> None:
    ok = set_path(inherit_doc(), path, [f"{item}{i}" for i in range(limit)])
    assert parse_connector(ok).connector is not None
    [problem] = problems(set_path(inherit_doc(), path, [f"{item}{i}" for i in range(limit + 1)]))
    assert problem.path == path
    assert problem.message == f"has {limit + 1} entries, more than the limit of {limit}"
    assert problem.allowed is not None and str(limit) in problem.allowed


@pytest.mark.timeout(60)
def test_a_hundred_thousand_selectors_are_one_problem_not_a_long_wait() -> None:
    doc = set_path(inherit_doc(), "spec.delegateSelectors", [f"s{i}" for i in range(100_000)])
    [problem] = problems(doc)
    assert problem.message == "has 100000 entries, more than the limit of 64"


def test_repeated_selectors_and_capabilities_are_kept_once() -> None:
    doc = set_path(inherit_doc(), "spec.delegateSelectors", ["b", "a", " b ", "a"])
    set_path(doc, "spec.capabilities", ["s3-read", "ecr-pull", "s3-read"])
    connector = parse_connector_document(doc)
    assert connector.delegate_selectors == ("a", "b")
    assert connector.capabilities == ("s3-read", "ecr-pull")


def test_a_tag_key_has_a_length_limit() -> None:
    [problem] = problems(set_path(inherit_doc(), "tags", {"k" * 129: "v"}))
    assert problem.message == "is longer than 128 characters (129 given)"
    assert len(problem.path) < 250


# --- no control characters or bidi overrides --------------------------------------------------

UNSAFE = {
    "CR": "\r",
    "LF": "\n",
    "NUL": "\x00",
    "ESC": "\x1b",
    "BEL": "\x07",
    "DEL": "\x7f",
    "NEL (C1)": "\x85",
    "CSI (C1)": "\x9b",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "line separator": "\u2028",
    "lone surrogate": "\ud800",
}
SINGLE_LINE_FIELDS = [
    "name",
    "tags.team",
    "spec.credential.region",
    f"{MANUAL}.accessKey",
    f"{MANUAL}.secretKeyRef",
    EXTERNAL_ID,
    "spec.credential.crossAccountAccess.crossAccountRoleArn",
]


@pytest.mark.parametrize("path", SINGLE_LINE_FIELDS)
@pytest.mark.parametrize("char", UNSAFE.values(), ids=UNSAFE.keys())
def test_no_field_holds_control_characters_or_bidi_overrides(path: str, char: str) -> None:
    value = f"ab{char}cd"
    found = [p for p in problems(set_path(manual_doc(), path, value)) if p.path == path]
    assert found, path
    assert f"(U+{ord(char):04X}) at position 3" in found[0].message
    assert all(char not in str(p) for p in found)  # nor is it echoed raw


def test_tag_keys_and_selectors_are_checked_too() -> None:
    [problem] = problems(set_path(inherit_doc(), "tags", {"a\x1b[2Jb": "v"}))
    assert "control character (U+001B)" in problem.message
    assert "\x1b" not in problem.path
    [problem] = problems(set_path(inherit_doc(), "spec.delegateSelectors", ["ok", "x\u202ey"]))
    assert (problem.path, problem.message) == (
        "spec.delegateSelectors[1]",
        "contains a bidi override (U+202E) at position 2",
    )


@pytest.mark.parametrize("text", ["two\nlines", "tab\tthere", "para\u2029graph"])
def test_a_description_may_hold_line_breaks_and_tabs(text: str) -> None:
    assert parse_connector_document(set_path(inherit_doc(), "description", text)).description == (
        text
    )


@pytest.mark.parametrize("char", ["\r", "\x00", "\x1b", "\x85", "\u202e", "\ud800"])
def test_a_description_holds_no_other_control_characters(char: str) -> None:
    [problem] = problems(set_path(inherit_doc(), "description", f"x{char}y"))
    assert problem.path == "description"
    assert problem.allowed is not None and "line breaks and tabs allowed" in problem.allowed


# --- unknown fields: still refused, with a suggestion -----------------------------------------


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("descripton", "description"),
        ("Identifier", "identifier"),
        ("spec.delegateSelector", "delegateSelectors"),
        ("spec.executeOnDelgate", "executeOnDelegate"),
        ("spec.ignoreTestConnections", "ignoreTestConnection"),
        ("spec.credential.regoin", "region"),
        (f"{MANUAL}.sessionToken", "sessionTokenRef"),
        ("spec.credential.crossAccountAccess.externalID", "externalId"),
    ],
)
def test_an_unknown_field_close_to_a_known_one_says_which(path: str, meant: str) -> None:
    doc = manual_doc()
    if path.startswith("spec.credential.crossAccountAccess"):
        set_path(doc, "spec.credential.crossAccountAccess.crossAccountRoleArn", ROLE_ARN)
    found = [p for p in problems(set_path(doc, path, "x")) if p.path == path]
    assert [p.message for p in found] == [f"unknown field; did you mean {meant!r}?"]


def test_an_unknown_field_far_from_any_says_only_that() -> None:
    [problem] = problems(set_path(inherit_doc(), "spec.kubernetes", "x"))
    assert problem.message == "unknown field"


def test_thousands_of_unknown_fields_are_a_bounded_report() -> None:
    doc = inherit_doc()
    doc["connector"]["spec"].update({f"extra{i}": i for i in range(5000)})
    found = problems(doc)
    assert len(found) == 11
    assert found[-1].message == "has 4990 more unknown fields"


def test_non_text_keys_are_named_safely_in_paths() -> None:
    doc = inherit_doc()
    doc["connector"]["spec"][10**5000] = 1
    doc["connector"]["spec"][("a", "b")] = 1
    paths = [p.path for p in problems(doc)]
    assert paths == ["spec.<long integer>", "spec.('a', 'b')"]


# --- scopes given as settings (the CLI's --org and --project) ---------------------------------


def test_scope_of_settings_accepts_identifiers() -> None:
    assert scope_of_settings(None, None) == Scope()
    assert scope_of_settings("eng", None) == Scope("eng")
    assert scope_of_settings("eng", "web") == Scope("eng", "web")


@pytest.mark.parametrize(
    ("org", "project", "paths"),
    [
        ("bad org", None, ["org"]),
        ("", None, ["org"]),
        ("eng", "9web", ["project"]),
        ("a\x1b]0;x\x07", "class", ["org", "project"]),
        (None, "web", ["project"]),
        ("x" * 129, None, ["org"]),
    ],
)
def test_scope_of_settings_names_the_setting(
    org: str | None, project: str | None, paths: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        scope_of_settings(org, project)
    assert [p.path for p in caught.value.problems] == paths
    assert caught.value.exit_code == 2
    assert "\x1b" not in caught.value.message
