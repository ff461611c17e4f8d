"""Harness connector YAML: document shape, metadata, the all-at-once report, round trips."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from model_documents import (
    ROLE_ARN,
    inherit_doc,
    irsa_doc,
    manual_doc,
    problem_paths,
    problems,
    set_path,
)

from awsconn.errors import ValidationFailed
from awsconn.model import (
    Connector,
    Scope,
    connector_to_document,
    dump_connectors_yaml,
    load_yaml_documents,
    parse_connector,
    parse_connector_document,
)

# --- document shape -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (None, [("connector", "is required (a document with a top-level 'connector:' key)")]),
        ({}, [("connector", "is required (a document with a top-level 'connector:' key)")]),
        ("connector", [("", "must be a mapping")]),
        ([{"connector": {}}], [("", "must be a mapping")]),
        ({"connector": None}, [("connector", "must not be empty")]),
        ({"connector": "Aws"}, [("connector", "must be a mapping")]),
        ({"connector": ["Aws"]}, [("connector", "must be a mapping")]),
    ],
)
def test_broken_document_shapes(doc: Any, expected: list[tuple[str, str]]) -> None:
    outcome = parse_connector(doc)
    assert outcome.connector is None
    assert [(p.path, p.message) for p in outcome.problems] == expected


def test_unknown_top_level_key_is_reported_at_its_path() -> None:
    doc = inherit_doc()
    doc["pipeline"] = {}
    [problem] = problems(doc)
    assert (problem.path, problem.message) == ("pipeline", "unknown field")


def test_unknown_connector_field_uses_the_same_paths_as_known_ones() -> None:
    """Paths are relative to ``connector:`` ("name", "spec.credential..."), so is this one."""
    doc = set_path(inherit_doc(), "owner", "abc")
    [problem] = problems(doc)
    assert (problem.path, problem.message) == ("owner", "unknown field")
    assert problem.allowed is not None and "projectIdentifier" in problem.allowed


def test_unknown_spec_field() -> None:
    assert problem_paths(set_path(inherit_doc(), "spec.url", "x")) == ["spec.url"]


@pytest.mark.parametrize("value", ["Gcp", "aws", "AWS", ""])
def test_connector_type_must_be_aws(value: str) -> None:
    [problem] = problems(set_path(inherit_doc(), "type", value))
    assert (problem.path, problem.given, problem.allowed) == ("type", value, "Aws")


def test_connector_type_and_spec_are_required() -> None:
    doc = inherit_doc()
    del doc["connector"]["type"]
    del doc["connector"]["spec"]
    assert [(p.path, p.message) for p in problems(doc)] == [
        ("type", "is required"),
        ("spec", "is required"),
    ]


def test_spec_of_the_wrong_shape() -> None:
    [problem] = problems(set_path(inherit_doc(), "spec", ["credential"]))
    assert (problem.path, problem.message, problem.given) == ("spec", "must be a mapping", "list")


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ["a"]), ("name", True), ("identifier", {"a": 1}), ("description", False)],
)
def test_text_fields_must_be_text(field: str, value: Any) -> None:
    [problem] = problems(set_path(inherit_doc(), field, value))
    assert (problem.path, problem.message) == (field, "must be a string")


# --- description, tags, scope ---------------------------------------------------------------


def test_description_is_optional_free_text() -> None:
    assert parse_connector_document(inherit_doc()).description == ""
    text = "Prod deploys — ünïcode, 'quotes', \"double\", #hash: colon\nsecond line\n"
    doc = set_path(inherit_doc(), "description", text)
    assert parse_connector_document(doc).description == text


def test_tags_are_a_string_map() -> None:
    doc = set_path(inherit_doc(), "tags", {"team": "payments", "env": None, "tier": 1})
    connector = parse_connector_document(doc)
    assert connector.tags == {"env": "", "team": "payments", "tier": "1"}
    assert list(connector.tags) == ["env", "team", "tier"]


@pytest.mark.parametrize(("count", "ok"), [(0, True), (1, True), (128, True), (129, False)])
def test_at_most_128_tags(count: int, ok: bool) -> None:
    tags = {f"k{i}": f"v{i}" for i in range(count)}
    doc = set_path(inherit_doc(), "tags", tags)
    if ok:
        assert parse_connector_document(doc).tags == tags
    else:
        [problem] = problems(doc)
        assert (problem.path, problem.message, problem.allowed) == (
            "tags",
            "has 129 entries, more than the limit of 128",
            "at most 128 tags",
        )


@pytest.mark.parametrize(
    ("tags", "paths"),
    [
        (["team"], ["tags"]),
        ("team:payments", ["tags"]),
        ({"": "x"}, ["tags."]),
        ({"ok": "x", 5: "y"}, ["tags.5"]),
        ({"team": ["a", "b"]}, ["tags.team"]),
        ({"team": {"a": 1}, "env": True}, ["tags.team", "tags.env"]),
    ],
)
def test_bad_tags_are_reported_by_key(tags: Any, paths: list[str]) -> None:
    assert problem_paths(set_path(inherit_doc(), "tags", tags)) == paths


@pytest.mark.parametrize(
    ("org", "project", "scope"),
    [
        (None, None, Scope()),
        ("", "", Scope()),
        ("default", None, Scope("default")),
        ("default", "", Scope("default")),
        ("default", "web", Scope("default", "web")),
    ],
)
def test_scope_from_org_and_project(org: str | None, project: str | None, scope: Scope) -> None:
    doc = set_path(inherit_doc(), "orgIdentifier", org)
    set_path(doc, "projectIdentifier", project)
    connector = parse_connector_document(doc)
    assert connector.scope == scope
    assert connector.ref.scope == scope
    assert connector.ref.identifier == "delegate_role"


def test_a_project_connector_needs_an_org() -> None:
    [problem] = problems(set_path(inherit_doc(), "projectIdentifier", "web"))
    assert (problem.path, problem.message) == (
        "orgIdentifier",
        "is required when projectIdentifier is set",
    )


# --- every problem at once, each with its path, value and allowed text -----------------------


def test_every_problem_is_reported_at_once() -> None:
    doc = {
        "connector": {
            "name": "bad/name",
            "identifier": "class",
            "projectIdentifier": "web",
            "tags": {"ok": "x", "bad": ["list"]},
            "type": "Gcp",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "spec": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "accessKeyRef": "akid"},
                    "crossAccountAccess": {"crossAccountRoleArn": "arn:aws:iam::1:role/x"},
                    "region": "moon-1",
                },
                "executeOnDelegate": "sometimes",
                "awsSdkClientBackOffStrategyOverride": {
                    "type": "FixedDelayBackoffStrategy",
                    "spec": {"fixedBackoff": -5, "retryCount": 1000},
                },
                "capabilities": ["Bad_Name"],
                "surprise": 1,
            },
        }
    }
    outcome = parse_connector(doc)
    assert outcome.connector is None
    by_path = {p.path: p for p in outcome.problems}
    assert sorted(by_path) == sorted(
        [
            "name",
            "identifier",
            "orgIdentifier",
            "tags.bad",
            "type",
            "spec.surprise",
            "spec.credential.region",
            "spec.credential.spec.accessKey",
            "spec.credential.spec.secretKeyRef",
            "spec.credential.crossAccountAccess.crossAccountRoleArn",
            "spec.executeOnDelegate",
            "spec.awsSdkClientBackOffStrategyOverride.spec.fixedBackoff",
            "spec.awsSdkClientBackOffStrategyOverride.spec.retryCount",
            "spec.capabilities[0]",
        ]
    )
    assert len(outcome.problems) == len(by_path)  # one problem per field, no repeats
    assert by_path["name"].given == "bad/name"
    assert by_path["identifier"].message == "is a reserved word"
    assert by_path["spec.credential.region"].given == "moon-1"
    assert by_path["spec.credential.spec.secretKeyRef"].message == "is required"
    assert by_path["spec.credential.spec.secretKeyRef"].allowed is not None
    arn = by_path["spec.credential.crossAccountAccess.crossAccountRoleArn"]
    assert arn.given == "arn:aws:iam::1:role/x"

    with pytest.raises(ValidationFailed) as caught:
        parse_connector_document(doc)
    error = caught.value
    assert error.problems == tuple(outcome.problems)
    assert error.exit_code == 2
    assert f"({len(by_path)} problems)" in error.message
    assert "spec.credential.spec.secretKeyRef: is required; allowed: " in error.message
    reported = error.to_dict()["problems"]
    assert {"path": "name", "message": by_path["name"].message} == {
        k: reported[0][k] for k in ("path", "message")
    }
    assert all("path" in p and "message" in p for p in reported)


def test_problems_print_path_value_and_allowed_text() -> None:
    [problem] = problems(set_path(inherit_doc(), "spec.credential.region", "mars-1"))
    text = str(problem)
    assert text.startswith("spec.credential.region: is not a known AWS region")
    assert "(given: 'mars-1')" in text
    assert "; allowed: a region of aws, aws-us-gov, aws-cn" in text


# --- round trips ----------------------------------------------------------------------------


def _maximal_doc() -> dict[str, Any]:
    doc = manual_doc()
    body = doc["connector"]
    body.update(
        description="Deploys to prod.\nOwned by payments.",
        orgIdentifier="default",
        projectIdentifier="web",
        tags={"team": "payments", "env": "", "cost$center": "42"},
    )
    body["spec"]["credential"].update(
        spec={
            "accessKeyRef": "account.akid",
            "secretKeyRef": "org.sk",
            "sessionTokenRef": "tok",
        },
        crossAccountAccess={"crossAccountRoleArn": ROLE_ARN, "externalId": "ext-123"},
        region="eu-west-1",
    )
    body["spec"].update(
        delegateSelectors=["b", "a"],
        executeOnDelegate=False,
        awsSdkClientBackOffStrategyOverride={
            "type": "EqualJitterBackoffStrategy",
            "spec": {"baseDelay": 100, "maxBackoffTime": 5000, "retryCount": 4},
        },
        capabilities=["s3-read", "ecr-pull"],
    )
    return doc


def _govcloud_doc() -> dict[str, Any]:
    doc = irsa_doc()
    doc["connector"]["orgIdentifier"] = "gov"
    doc["connector"]["spec"]["credential"].update(
        region="us-gov-west-1",
        crossAccountAccess={
            "crossAccountRoleArn": "arn:aws-us-gov:iam::123456789012:role/path/deploy"
        },
    )
    doc["connector"]["spec"]["awsSdkClientBackOffStrategyOverride"] = {
        "type": "FixedDelayBackoffStrategy",
        "spec": {"fixedBackoff": 0, "retryCount": 0},
    }
    return doc


def _china_doc() -> dict[str, Any]:
    doc = inherit_doc()
    doc["connector"]["spec"]["credential"].update(
        region="cn-northwest-1",
        crossAccountAccess={"crossAccountRoleArn": "arn:aws-cn:iam::123456789012:role/d"},
    )
    doc["connector"]["spec"]["awsSdkClientBackOffStrategyOverride"] = {
        "type": "FullJitterBackoffStrategy",
        "spec": {"baseDelay": 1, "maxBackoffTime": 1, "retryCount": 100},
    }
    return doc


DOCS = {
    "manual": manual_doc,
    "inherit": inherit_doc,
    "irsa": irsa_doc,
    "maximal": _maximal_doc,
    "govcloud": _govcloud_doc,
    "china": _china_doc,
}


def _round_trip(connector: Connector) -> tuple[str, Connector, str]:
    text = dump_connectors_yaml([connector])
    [doc] = load_yaml_documents(text)
    again = parse_connector_document(doc)
    return text, again, dump_connectors_yaml([again])


@pytest.mark.parametrize("make", DOCS.values(), ids=DOCS.keys())
def test_parse_dump_parse_is_lossless(make: Any) -> None:
    connector = parse_connector_document(make())
    text, again, text_again = _round_trip(connector)
    assert again == connector
    assert text_again == text


@pytest.mark.parametrize("make", DOCS.values(), ids=DOCS.keys())
def test_document_form_parses_back_to_the_same_connector(make: Any) -> None:
    connector = parse_connector_document(make())
    document = connector_to_document(connector)
    assert parse_connector_document(copy.deepcopy(document)) == connector
    assert connector_to_document(parse_connector_document(document)) == document


TRICKY_TEXT = [
    "",
    " leading",
    "trailing ",
    "two  spaces",
    "x" * 256,
    " ".join(["word"] * 51),
    "colon: here",
    "# hash",
    "- dash",
    "yes",
    "off",
    "null",
    "~",
    "123",
    "1.5",
    "0x1f",
    "1_000",
    "2024-01-01",
    "ünïcödé ☃ 日本語",
    "emoji 🎉",
    "\ufeffbom",
    "nbsp\u00a0space",
    "quote \" and ' and \\",
    "@at",
    "%percent",
    "!bang",
    "*star",
    "&amp",
    "{a: 1}",
    "[1, 2]",
    "a" * 101 + " " + "b" * 5,
]
# A description is multi-line free text: line breaks and tabs too.
TRICKY_DESCRIPTIONS = [
    *TRICKY_TEXT,
    "x" * 1024,
    "line1\nline2",
    "line1\n",
    "\n\nblank lines\n\n",
    "tab\there",
    "line\u2028separator",
    "para\u2029separator",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_free_text_survives_the_round_trip(text: str) -> None:
    doc = set_path(manual_doc(), "description", text)
    set_path(doc, "tags", {"t": text, "k" + str(len(text)): "v"})
    connector = parse_connector_document(doc)
    _, again, _ = _round_trip(connector)
    assert again.description == text
    assert again.tags["t"] == text
    assert again == connector


@pytest.mark.parametrize("text", TRICKY_DESCRIPTIONS)
def test_multi_line_descriptions_survive_the_round_trip(text: str) -> None:
    connector = parse_connector_document(set_path(manual_doc(), "description", text))
    _, again, _ = _round_trip(connector)
    assert again.description == text


@pytest.mark.parametrize("value", ["True", "Null", "NO", "On", "e1", "_1", "nan", "inf"])
def test_identifier_and_names_that_look_like_yaml_scalars_round_trip(value: str) -> None:
    doc = set_path(inherit_doc(), "identifier", value)
    set_path(doc, "name", value)
    set_path(doc, "orgIdentifier", value)
    set_path(doc, "spec.delegateSelectors", [value])
    connector = parse_connector_document(doc)
    _, again, _ = _round_trip(connector)
    assert again == connector


def test_numbers_given_for_text_are_kept_as_the_same_text_after_a_round_trip() -> None:
    doc = set_path(inherit_doc(), "name", 1234)
    set_path(doc, "description", 1.5)
    set_path(doc, "tags", {"n": 7})
    connector = parse_connector_document(doc)
    assert (connector.name, connector.description, connector.tags["n"]) == ("1234", "1.5", "7")
    assert _round_trip(connector)[1] == connector


def test_canonical_dump_format() -> None:
    text = dump_connectors_yaml([parse_connector_document(_maximal_doc())])
    assert text == (
        "---\n"
        "connector:\n"
        "  name: Prod keys\n"
        "  identifier: prod_keys\n"
        "  description: 'Deploys to prod.\n"
        "\n"
        "    Owned by payments.'\n"
        "  orgIdentifier: default\n"
        "  projectIdentifier: web\n"
        "  tags:\n"
        "    cost$center: '42'\n"
        "    env: ''\n"
        "    team: payments\n"
        "  type: Aws\n"
        "  spec:\n"
        "    credential:\n"
        "      crossAccountAccess:\n"
        "        crossAccountRoleArn: arn:aws:iam::123456789012:role/deploy\n"
        "        externalId: ext-123\n"
        "      type: ManualConfig\n"
        "      spec:\n"
        "        accessKeyRef: account.akid\n"
        "        secretKeyRef: org.sk\n"
        "        sessionTokenRef: tok\n"
        "      region: eu-west-1\n"
        "    delegateSelectors:\n"
        "      - a\n"
        "      - b\n"
        "    executeOnDelegate: false\n"
        "    awsSdkClientBackOffStrategyOverride:\n"
        "      type: EqualJitterBackoffStrategy\n"
        "      spec:\n"
        "        baseDelay: 100\n"
        "        maxBackoffTime: 5000\n"
        "        retryCount: 4\n"
        "    capabilities:\n"
        "      - s3-read\n"
        "      - ecr-pull\n"
    )


def test_defaults_are_written_out() -> None:
    document = connector_to_document(parse_connector_document(irsa_doc()))
    body = document["connector"]
    assert body["description"] == ""
    assert body["tags"] == {}
    assert "orgIdentifier" not in body and "projectIdentifier" not in body
    assert body["spec"]["credential"] == {"type": "Irsa", "region": "us-east-1"}
    assert body["spec"]["executeOnDelegate"] is True


HARNESS_TEXT = """\
connector:
  name: aws-prod
  identifier: aws_prod
  description: ""
  orgIdentifier: default
  projectIdentifier: CD_Samples
  tags:
    owner: platform
  type: Aws
  spec:
    credential:
      crossAccountAccess:
        crossAccountRoleArn: arn:aws:iam::123456789012:role/HarnessDeploy
        externalId: harness-ext-id
      type: ManualConfig
      spec:
        accessKey: AKIAIOSFODNN7EXAMPLE
        secretKeyRef: awssecret
      region: us-east-1
    delegateSelectors:
      - eks-delegate
    executeOnDelegate: true
"""


def test_yaml_as_harness_writes_it_is_parsed_and_dumped_back_unchanged() -> None:
    [doc] = load_yaml_documents(HARNESS_TEXT)
    connector = parse_connector_document(doc)
    assert str(connector.ref) == "default/CD_Samples/aws_prod"
    assert connector.credential.manual is not None
    assert str(connector.credential.manual.secret_key_ref) == "awssecret"
    text = dump_connectors_yaml([connector])
    assert text == "---\n" + HARNESS_TEXT.replace('description: ""', "description: ''")


# --- several connectors in one file ---------------------------------------------------------


def _scoped(identifier: str, org: str | None = None, project: str | None = None) -> Connector:
    doc = set_path(irsa_doc(), "identifier", identifier)
    set_path(doc, "orgIdentifier", org)
    set_path(doc, "projectIdentifier", project)
    return parse_connector_document(doc)


MANY = [
    _scoped("zeta"),
    _scoped("alpha"),
    _scoped("beta", "b_org"),
    _scoped("alpha", "b_org"),
    _scoped("alpha", "a_org", "p2"),
    _scoped("alpha", "a_org", "p1"),
    _scoped("gamma", "a_org"),
]


def test_multi_document_dump_is_sorted_by_scope_then_identifier() -> None:
    shuffled = list(MANY)
    random.Random(7).shuffle(shuffled)
    text = dump_connectors_yaml(shuffled)
    assert text == dump_connectors_yaml(MANY)
    assert text == dump_connectors_yaml(reversed(MANY))
    parsed = [parse_connector_document(d) for d in load_yaml_documents(text)]
    assert [str(c.ref) for c in parsed] == [
        "alpha",
        "zeta",
        "a_org/gamma",
        "a_org/p1/alpha",
        "a_org/p2/alpha",
        "b_org/alpha",
        "b_org/beta",
    ]
    assert sorted(parsed, key=lambda c: c.ref) == parsed
    assert set(map(repr, parsed)) == set(map(repr, MANY))
    assert dump_connectors_yaml(parsed) == text
    assert text.count("---\n") == len(MANY)


def test_dumping_no_connectors_gives_an_empty_text() -> None:
    assert dump_connectors_yaml([]) == ""


# --- reading YAML text ----------------------------------------------------------------------


def test_load_skips_empty_documents() -> None:
    text = "---\n---\nconnector: {}\n---\n# only a comment\n---\na: 1\n"
    assert load_yaml_documents(text) == [{"connector": {}}, {"a": 1}]


@pytest.mark.parametrize("text", ["", "\n", "# nothing\n", "---\n", "---\n...\n---\n"])
def test_load_without_documents_is_bad_input(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_yaml_documents(text, source="connectors.yaml")
    [problem] = caught.value.problems
    assert problem.message == "has no YAML document"
    assert caught.value.message.startswith("connectors.yaml is not valid")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("connector:\n  name: a\n    bad: indent\n", 3),
        ("connector: [unclosed\n", 2),
        ("a: 1\n---\nb: 'open\n", 4),
        ("connector:\n\tname: tab\n", 2),
    ],
)
def test_yaml_syntax_errors_name_their_line(text: str, line: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_yaml_documents(text, source="f.yaml")
    [problem] = caught.value.problems
    assert problem.path == ""
    assert f"is not valid YAML at line {line}," in problem.message
    assert caught.value.exit_code == 2
    assert "Traceback" not in caught.value.message


def test_yaml_that_is_not_safe_is_refused_as_bad_input() -> None:
    with pytest.raises(ValidationFailed):
        load_yaml_documents("connector: !!python/object/apply:os.system ['true']\n")


def test_unquoted_dates_stay_text_and_round_trip() -> None:
    from awsconn.model import dump_connectors_yaml, load_yaml_documents, parse_connector_document

    text = """
connector:
  name: dated
  identifier: dated
  description: 2024-01-01
  tags:
    since: 2023-05-06
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [d]
"""
    c = parse_connector_document(load_yaml_documents(text)[0])
    assert c.description == "2024-01-01"
    assert c.tags["since"] == "2023-05-06"
    again = parse_connector_document(load_yaml_documents(dump_connectors_yaml([c]))[0])
    assert again == c


def test_a_key_given_twice_is_bad_input_naming_its_line() -> None:
    import pytest

    from awsconn.errors import ValidationFailed
    from awsconn.model import load_yaml_documents

    with pytest.raises(ValidationFailed) as info:
        load_yaml_documents("connector:\n  name: a\n  name: b\n")
    assert "duplicate key 'name'" in str(info.value)
    assert "line 3" in str(info.value)


@pytest.mark.parametrize("written", ["0123", "12_345", "1.50", "0x1F", "123456"])
def test_an_unquoted_numeric_external_id_is_refused_not_altered(written: str) -> None:
    # YAML reads these as numbers (0123 is octal 83, 1.50 is 1.5): the External ID sent to
    # STS would differ from the one the trust policy holds, so ask for quotes instead.
    text = (
        "connector:\n  name: x\n  identifier: x\n  type: Aws\n  spec:\n    credential:\n"
        "      type: ManualConfig\n"
        "      spec: {accessKey: AKIAIOSFODNN7EXAMPLE, secretKeyRef: sk}\n"
        f"      crossAccountAccess:\n        crossAccountRoleArn: {ROLE_ARN}\n"
        f"        externalId: {written}\n"
    )
    [doc] = load_yaml_documents(text)
    [problem] = problems(doc)
    assert problem.path == "spec.credential.crossAccountAccess.externalId"
    assert "quote" in problem.message
    quoted = text.replace(f"externalId: {written}", f"externalId: '{written}'")
    connector = parse_connector_document(load_yaml_documents(quoted)[0])
    assert connector.credential.cross_account is not None
    assert connector.credential.cross_account.external_id == written
