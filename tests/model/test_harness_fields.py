"""Fields of Harness's published AWS connector schema that awsconn reads and keeps.

AwsConnector: proxy, ignoreTestConnection; AwsManualConfigSpec: sessionTokenRef (with
ASIA keys); ConnectorInfo: accountIdentifier; Harness's secret expression for the access
key. OidcAuthentication: tests/model/test_oidc_credential.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from model_documents import inherit_doc, manual_doc, problems, set_path

from awsconn.model import (
    DEFAULT_ACCOUNT,
    SecretRef,
    connector_to_document,
    dump_connectors_yaml,
    load_yaml_documents,
    parse_connector,
    parse_connector_document,
)

MANUAL = "spec.credential.spec"

HARNESS_TEXT = """\
connector:
  name: aws-prod
  identifier: aws_prod
  description: ""
  accountIdentifier: px7xd_BFRCi-pfWPYXVjvw
  orgIdentifier: default
  projectIdentifier: CD_Samples
  tags: {}
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: <+secrets.getValue("account.aws_key_id")>
        secretKeyRef: account.aws_secret_key
      region: us-east-1
    delegateSelectors:
      - eks-delegate
    executeOnDelegate: true
    proxy: false
    ignoreTestConnection: true
"""


def _round_trip_text(text: str, *, account: str = DEFAULT_ACCOUNT) -> tuple[str, str]:
    """(export of the text, export of that export re-imported)."""
    [doc] = load_yaml_documents(text)
    first = dump_connectors_yaml([parse_connector_document(doc, account=account)])
    [again] = load_yaml_documents(first)
    return first, dump_connectors_yaml([parse_connector_document(again, account=account)])


def test_a_document_as_harness_writes_it_is_accepted_and_kept() -> None:
    [doc] = load_yaml_documents(HARNESS_TEXT)
    connector = parse_connector_document(doc, account="px7xd_BFRCi-pfWPYXVjvw")
    assert connector.proxy is False
    assert connector.ignore_test_connection is True
    assert connector.credential.manual is not None
    assert connector.credential.manual.access_key is None
    assert connector.credential.manual.access_key_ref == SecretRef("account", "aws_key_id")
    first, second = _round_trip_text(HARNESS_TEXT, account="px7xd_BFRCi-pfWPYXVjvw")
    assert first == second
    assert "accountIdentifier" not in first  # one account per store: not written out
    assert "accessKeyRef: account.aws_key_id\n" in first
    assert "    ignoreTestConnection: true\n" in first


@pytest.mark.parametrize(
    ("proxy", "ignore"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_proxy_and_ignore_test_connection_are_kept(proxy: bool, ignore: bool) -> None:
    doc = set_path(manual_doc(), "spec.proxy", proxy)
    set_path(doc, "spec.ignoreTestConnection", ignore)
    connector = parse_connector_document(doc)
    assert (connector.proxy, connector.ignore_test_connection) == (proxy, ignore)
    spec = connector_to_document(connector)["connector"]["spec"]
    assert spec.get("proxy", False) is proxy
    assert spec.get("ignoreTestConnection", False) is ignore
    text = dump_connectors_yaml([connector])
    [again] = load_yaml_documents(text)
    assert parse_connector_document(again) == connector
    assert dump_connectors_yaml([parse_connector_document(again)]) == text


def test_the_flags_are_written_only_when_set_so_stored_documents_keep_their_form() -> None:
    spec = connector_to_document(parse_connector_document(manual_doc()))["connector"]["spec"]
    assert "proxy" not in spec and "ignoreTestConnection" not in spec


@pytest.mark.parametrize("field", ["proxy", "ignoreTestConnection"])
@pytest.mark.parametrize("value", ["yes", "true", 1, [True]])
def test_the_flags_must_be_booleans(field: str, value: Any) -> None:
    [problem] = problems(set_path(manual_doc(), f"spec.{field}", value))
    assert (problem.path, problem.message) == (f"spec.{field}", "must be true or false")


# --- accountIdentifier ----------------------------------------------------------------------


def test_the_store_account_is_default_unless_given() -> None:
    doc = set_path(inherit_doc(), "accountIdentifier", "default")
    assert parse_connector_document(doc).identifier == "delegate_role"
    doc = set_path(inherit_doc(), "accountIdentifier", "acme_42")
    assert parse_connector_document(doc, account="acme_42").identifier == "delegate_role"


def test_another_account_is_refused_naming_both() -> None:
    doc = set_path(inherit_doc(), "accountIdentifier", "other-account")
    [problem] = parse_connector(doc, account="acme").problems
    assert problem.path == "accountIdentifier"
    assert "'other-account'" in problem.message and "'acme'" in problem.message
    assert problem.allowed is not None and "AWSCONN_ACCOUNT" in problem.allowed


@pytest.mark.parametrize("value", ["has space", "a/b", "x" * 129, ["default"]])
def test_a_malformed_account_identifier_is_refused(value: Any) -> None:
    [problem] = problems(set_path(inherit_doc(), "accountIdentifier", value))
    assert problem.path == "accountIdentifier"


# --- temporary keys and the session token ---------------------------------------------------


def test_a_temporary_key_without_its_session_token_is_refused_naming_session_token_ref() -> None:
    spec = {"accessKey": "ASIAIOSFODNN7EXAMPLE", "secretKeyRef": "sk"}
    [problem] = problems(set_path(manual_doc(), MANUAL, spec))
    assert problem.path == f"{MANUAL}.sessionTokenRef"
    assert "temporary" in problem.message and "session token" in problem.message


def test_a_temporary_key_with_its_session_token_is_kept() -> None:
    spec = {"accessKey": "ASIAIOSFODNN7EXAMPLE", "secretKeyRef": "sk", "sessionTokenRef": "tok"}
    connector = parse_connector_document(set_path(manual_doc(), MANUAL, spec))
    assert connector.credential.manual is not None
    assert connector.credential.manual.session_token_ref == SecretRef("own", "tok")
    document = connector_to_document(connector)
    assert document["connector"]["spec"]["credential"]["spec"]["sessionTokenRef"] == "tok"


# --- Harness expressions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "ref"),
    [
        ('<+secrets.getValue("account.key_id")>', SecretRef("account", "key_id")),
        ("<+secrets.getValue('org.key_id')>", SecretRef("org", "key_id")),
        ('<+ secrets.getValue( "key_id" ) >', SecretRef("own", "key_id")),
    ],
)
def test_the_secret_expression_for_the_access_key_is_read_as_access_key_ref(
    written: str, ref: SecretRef
) -> None:
    doc = set_path(manual_doc(), "orgIdentifier", "eng")
    set_path(doc, f"{MANUAL}.accessKey", written)
    outcome = parse_connector(doc)
    assert outcome.connector is not None, outcome.problems
    manual = outcome.connector.credential.manual
    assert manual is not None
    assert (manual.access_key, manual.access_key_ref) == (None, ref)
    # the caller checks the secret exists, at the path the user wrote
    assert outcome.secret_refs[f"{MANUAL}.accessKey"] == ref
    assert connector_to_document(outcome.connector)["connector"]["spec"]["credential"]["spec"] == {
        "accessKeyRef": str(ref),
        "secretKeyRef": "account.aws_secret",
    }


def test_the_secret_expression_naming_a_bad_reference_is_refused() -> None:
    doc = set_path(manual_doc(), f"{MANUAL}.accessKey", '<+secrets.getValue("project.x")>')
    [problem] = problems(doc)
    assert problem.path == f"{MANUAL}.accessKey"
    assert "unknown scope prefix" in problem.message


@pytest.mark.parametrize(
    "path",
    [
        "name",
        "description",
        "tags.team",
        f"{MANUAL}.accessKey",
        f"{MANUAL}.secretKeyRef",
        "spec.credential.region",
        "spec.credential.crossAccountAccess.externalId",
    ],
)
@pytest.mark.parametrize(
    "expression", ["<+pipeline.variables.key>", "<+input>", "prefix-<+env.name>-suffix"]
)
def test_any_other_expression_in_any_field_is_refused(path: str, expression: str) -> None:
    doc = set_path(manual_doc(), path, expression)
    found = [p for p in problems(doc) if p.path == path]
    assert found, problems(doc)
    assert any("does not evaluate pipeline expressions" in p.message for p in found)


def test_a_secret_expression_in_a_ref_field_asks_for_the_reference_itself() -> None:
    doc = set_path(manual_doc(), f"{MANUAL}.secretKeyRef", '<+secrets.getValue("account.sk")>')
    [problem] = problems(doc)
    assert problem.path == f"{MANUAL}.secretKeyRef"
    assert problem.allowed is not None and problem.allowed.startswith("account.sk ")
