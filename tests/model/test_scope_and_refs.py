"""Scopes, connector references (ID, ORG/ID, ORG/PROJECT/ID) and secret references."""

from __future__ import annotations

import pytest
from model_documents import manual_doc, problems, set_path

from awsconn.errors import ValidationFailed
from awsconn.model import EntityRef, Scope, SecretRef, parse_connector, parse_ref, parse_secret_ref
from awsconn.model.secret_refs import SECRET_REF_RULE

ACCOUNT = Scope()
ORG = Scope("default")
PROJECT = Scope("default", "web")

# --- Scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "level", "label"),
    [
        (ACCOUNT, "account", "account"),
        (ORG, "org", "org default"),
        (PROJECT, "project", "project default/web"),
    ],
)
def test_scope_levels_and_labels(scope: Scope, level: str, label: str) -> None:
    assert scope.level == level
    assert scope.label() == label


def test_a_project_needs_an_org() -> None:
    with pytest.raises(ValueError, match="needs an org"):
        Scope(None, "web")


def test_parent_and_chain_go_from_narrowest_to_account() -> None:
    assert PROJECT.parent() == ORG
    assert ORG.parent() == ACCOUNT
    assert ACCOUNT.parent() is None
    assert PROJECT.chain() == (PROJECT, ORG, ACCOUNT)
    assert ORG.chain() == (ORG, ACCOUNT)
    assert ACCOUNT.chain() == (ACCOUNT,)


def test_scopes_are_hashable_and_compare_by_value() -> None:
    assert Scope("default", "web") == PROJECT
    assert len({ACCOUNT, Scope(), ORG, Scope("default"), PROJECT}) == 3


def test_scopes_and_refs_of_every_level_sort_together() -> None:
    scopes = [PROJECT, Scope("b"), ACCOUNT, ORG, Scope("b", "a")]
    assert sorted(scopes) == [ACCOUNT, Scope("b"), Scope("b", "a"), ORG, PROJECT]
    refs = [EntityRef(PROJECT, "a"), EntityRef(ACCOUNT, "z"), EntityRef(ORG, "m")]
    assert [str(r) for r in sorted(refs)] == ["z", "default/m", "default/web/a"]


# --- connector references ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("prod", EntityRef(ACCOUNT, "prod")),
        ("default/prod", EntityRef(ORG, "prod")),
        ("default/web/prod", EntityRef(PROJECT, "prod")),
        ("  default/web/prod  ", EntityRef(PROJECT, "prod")),
    ],
)
def test_parse_ref_forms(text: str, ref: EntityRef) -> None:
    assert parse_ref(text) == ref


@pytest.mark.parametrize(
    "ref", [EntityRef(ACCOUNT, "a"), EntityRef(ORG, "b$"), EntityRef(PROJECT, "_c")]
)
def test_ref_text_round_trips(ref: EntityRef) -> None:
    assert parse_ref(str(ref)) == ref


def test_ref_text_and_session_label() -> None:
    assert str(EntityRef(PROJECT, "prod")) == "default/web/prod"
    assert EntityRef(ACCOUNT, "prod").session_label() == "account/prod"
    assert EntityRef(ORG, "prod").session_label() == "org/default/prod"
    assert EntityRef(PROJECT, "prod").session_label() == "project/default/web/prod"


@pytest.mark.parametrize("text", ["", "   ", "a/", "/a", "a//b", "a/b/c/d", "a/b/c/d/e"])
def test_malformed_refs_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_ref(text, path="connector")
    [problem] = caught.value.problems
    assert problem.path == "connector"
    assert problem.message == "is not a reference"
    assert problem.given == text
    assert problem.allowed == "ID, ORG/ID or ORG/PROJECT/ID"


def test_every_bad_part_of_a_ref_is_reported() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_ref("1org/org/a-b")
    found = caught.value.problems
    assert len(found) == 3
    assert all(p.path == "ref" and p.given == "1org/org/a-b" for p in found)
    assert "'1org'" in found[0].message
    assert "reserved" in found[1].message
    assert "'a-b'" in found[2].message


def test_ref_errors_are_invalid_input() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_ref("a/b/c/d")
    assert caught.value.exit_code == 2
    assert caught.value.to_dict()["problems"][0]["path"] == "ref"


# --- secret references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "ident"),
    [
        ("account.aws_secret", "account", "aws_secret"),
        ("org.aws_secret", "org", "aws_secret"),
        ("aws_secret", "own", "aws_secret"),
        ("  org.s$1  ", "org", "s$1"),
    ],
)
def test_secret_ref_forms(text: str, level: str, ident: str) -> None:
    ref, why = parse_secret_ref(text)
    assert why is None
    assert ref == SecretRef(level, ident)
    assert parse_secret_ref(str(ref)) == (ref, None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("project.x", "unknown scope prefix 'project'"),
        ("Account.x", "unknown scope prefix 'Account'"),
        (".x", "unknown scope prefix ''"),
        ("account.", "names ''"),
        ("org.1x", "names '1x'"),
        ("account.a.b", "names 'a.b'"),
        ("account.class", "reserved"),
        ("a-b", "names 'a-b'"),
    ],
)
def test_bad_secret_refs_say_why(text: str, fragment: str) -> None:
    ref, why = parse_secret_ref(text)
    assert ref is None
    assert why is not None and fragment in why


@pytest.mark.parametrize(
    ("ref", "owner", "expected"),
    [
        (SecretRef("account", "s"), ACCOUNT, EntityRef(ACCOUNT, "s")),
        (SecretRef("account", "s"), PROJECT, EntityRef(ACCOUNT, "s")),
        (SecretRef("org", "s"), ORG, EntityRef(ORG, "s")),
        (SecretRef("org", "s"), PROJECT, EntityRef(ORG, "s")),
        (SecretRef("org", "s"), ACCOUNT, None),
        (SecretRef("own", "s"), ACCOUNT, EntityRef(ACCOUNT, "s")),
        (SecretRef("own", "s"), ORG, EntityRef(ORG, "s")),
        (SecretRef("own", "s"), PROJECT, EntityRef(PROJECT, "s")),
    ],
)
def test_secret_ref_resolution(ref: SecretRef, owner: Scope, expected: EntityRef | None) -> None:
    assert ref.resolve(owner) == expected


# --- secret references inside a connector --------------------------------------------------

_MANUAL_REF_FIELDS = ("accessKeyRef", "secretKeyRef", "sessionTokenRef")


@pytest.mark.parametrize("field", _MANUAL_REF_FIELDS)
def test_org_secret_from_an_account_connector_is_a_problem(field: str) -> None:
    doc = manual_doc()
    spec = doc["connector"]["spec"]["credential"]["spec"]
    if field == "accessKeyRef":
        del spec["accessKey"]
    spec[field] = "org.aws_secret"
    [problem] = problems(doc)
    assert problem.path == f"spec.credential.spec.{field}"
    assert problem.given == "org.aws_secret"
    assert problem.allowed == SECRET_REF_RULE
    assert "account scope" in problem.message


@pytest.mark.parametrize(
    ("org", "project", "owner"),
    [("default", None, ORG), ("default", "web", PROJECT)],
)
def test_org_secret_from_an_org_or_project_connector_resolves(
    org: str, project: str | None, owner: Scope
) -> None:
    doc = set_path(manual_doc(), "orgIdentifier", org)
    if project is not None:
        set_path(doc, "projectIdentifier", project)
    set_path(doc, "spec.credential.spec.secretKeyRef", "org.aws_secret")
    outcome = parse_connector(doc)
    assert outcome.problems == []
    assert outcome.connector is not None
    assert outcome.connector.scope == owner
    ref = outcome.secret_refs["spec.credential.spec.secretKeyRef"]
    assert ref.resolve(owner) == EntityRef(ORG, "aws_secret")


def test_outcome_lists_every_secret_ref_by_path() -> None:
    doc = manual_doc()
    spec = doc["connector"]["spec"]["credential"]["spec"]
    del spec["accessKey"]
    spec.update(accessKeyRef="akid", secretKeyRef="account.sk", sessionTokenRef="org.tok")
    set_path(doc, "orgIdentifier", "default")
    outcome = parse_connector(doc)
    assert outcome.problems == []
    assert outcome.secret_refs == {
        "spec.credential.spec.accessKeyRef": SecretRef("own", "akid"),
        "spec.credential.spec.secretKeyRef": SecretRef("account", "sk"),
        "spec.credential.spec.sessionTokenRef": SecretRef("org", "tok"),
    }
    assert outcome.connector is not None
    assert outcome.connector.secret_refs() == outcome.secret_refs


def test_secret_refs_are_kept_even_when_the_document_has_problems() -> None:
    """So the caller can add "secret not found" problems to the same report."""
    doc = set_path(manual_doc(), "name", "bad/name")
    outcome = parse_connector(doc)
    assert outcome.connector is None
    assert [p.path for p in outcome.problems] == ["name"]
    assert outcome.secret_refs == {
        "spec.credential.spec.secretKeyRef": SecretRef("account", "aws_secret")
    }


@pytest.mark.parametrize("value", ["project.x", "org.1x", "", "  "])
def test_bad_secret_ref_in_document_is_reported_at_its_path(value: str) -> None:
    doc = set_path(manual_doc(), "spec.credential.spec.secretKeyRef", value)
    [problem] = problems(doc)
    assert problem.path == "spec.credential.spec.secretKeyRef"
    assert problem.given == value
