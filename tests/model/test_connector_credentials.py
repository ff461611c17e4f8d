"""spec.credential: the three credential types, cross-account access, and the test region."""

from __future__ import annotations

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

from awsconn.model import (
    CredentialType,
    CrossAccountAccess,
    ManualConfig,
    SecretRef,
    parse_connector_document,
)
from awsconn.model.secret_refs import SECRET_REF_RULE

MANUAL = "spec.credential.spec"
KEY = "AKIAIOSFODNN7EXAMPLE"

# --- the three types -----------------------------------------------------------------------


def test_manual_config_with_plain_access_key() -> None:
    connector = parse_connector_document(manual_doc())
    assert connector.credential_type is CredentialType.MANUAL
    assert connector.credential.manual == ManualConfig(
        secret_key_ref=SecretRef("account", "aws_secret"), access_key="AKIAIOSFODNN7EXAMPLE"
    )


def test_manual_config_with_access_key_ref_and_session_token() -> None:
    doc = manual_doc()
    doc["connector"]["spec"]["credential"]["spec"] = {
        "accessKeyRef": "account.akid",
        "secretKeyRef": "sk",
        "sessionTokenRef": "account.token",
    }
    manual = parse_connector_document(doc).credential.manual
    assert manual == ManualConfig(
        secret_key_ref=SecretRef("own", "sk"),
        access_key_ref=SecretRef("account", "akid"),
        session_token_ref=SecretRef("account", "token"),
    )


@pytest.mark.parametrize(
    ("make", "ctype"),
    [(inherit_doc, CredentialType.INHERIT_FROM_DELEGATE), (irsa_doc, CredentialType.IRSA)],
)
def test_delegate_identity_types_have_no_manual_config(make: Any, ctype: CredentialType) -> None:
    connector = parse_connector_document(make())
    assert connector.credential_type is ctype
    assert connector.credential.manual is None
    assert connector.secret_refs() == {}
    assert ctype.uses_delegate_identity
    assert not CredentialType.MANUAL.uses_delegate_identity


@pytest.mark.parametrize("make", [inherit_doc, irsa_doc])
@pytest.mark.parametrize("empty", [None, {}])
def test_delegate_identity_types_accept_an_empty_spec(make: Any, empty: Any) -> None:
    doc = set_path(make(), "spec.credential.spec", empty)
    assert parse_connector_document(doc).credential.manual is None


@pytest.mark.parametrize("make", [inherit_doc, irsa_doc])
def test_delegate_identity_types_refuse_a_spec(make: Any) -> None:
    spec = {"accessKey": KEY, "secretKeyRef": "sk"}
    doc = set_path(make(), "spec.credential.spec", spec)
    [problem] = problems(doc)
    assert problem.path == "spec.credential.spec"
    assert problem.given == repr(spec)  # a short summary of what was given
    assert "must be empty" in problem.message


@pytest.mark.parametrize("value", ["Manual", "manualconfig", "IRSA", "", "Aws"])
def test_unknown_credential_type(value: str) -> None:
    doc = set_path(inherit_doc(), "spec.credential.type", value)
    [problem] = problems(doc)
    assert problem.path == "spec.credential.type"
    assert problem.given == value
    assert problem.allowed == "ManualConfig, InheritFromDelegate, Irsa, OidcAuthentication"


def test_credential_type_is_required() -> None:
    doc = inherit_doc()
    del doc["connector"]["spec"]["credential"]["type"]
    assert problem_paths(doc) == ["spec.credential.type"]


def test_credential_is_required() -> None:
    doc = inherit_doc()
    del doc["connector"]["spec"]["credential"]
    [problem] = problems(doc)
    assert (problem.path, problem.message) == ("spec.credential", "is required")


def test_unknown_credential_fields_are_reported() -> None:
    doc = set_path(inherit_doc(), "spec.credential.role", "x")
    [problem] = problems(doc)
    assert (problem.path, problem.message) == ("spec.credential.role", "unknown field")


# --- ManualConfig: exactly one of accessKey / accessKeyRef, secretKeyRef required -----------


def _manual(spec: Any) -> dict[str, Any]:
    return set_path(manual_doc(), MANUAL, spec)


def test_manual_both_access_key_forms_is_a_problem() -> None:
    doc = _manual({"accessKey": KEY, "accessKeyRef": "akid", "secretKeyRef": "sk"})
    [problem] = problems(doc)
    assert problem.path == f"{MANUAL}.accessKey"
    assert "exactly one" in problem.message


def test_manual_neither_access_key_form_is_a_problem() -> None:
    [problem] = problems(_manual({"secretKeyRef": "sk"}))
    assert (problem.path, problem.message) == (f"{MANUAL}.accessKey", "is required")
    assert problem.allowed is not None and "accessKeyRef" in problem.allowed


def test_manual_secret_key_ref_is_required() -> None:
    [problem] = problems(_manual({"accessKey": KEY}))
    assert (problem.path, problem.message) == (f"{MANUAL}.secretKeyRef", "is required")
    assert problem.allowed == SECRET_REF_RULE


def test_manual_session_token_is_optional() -> None:
    connector = parse_connector_document(_manual({"accessKey": KEY, "secretKeyRef": "sk"}))
    assert connector.credential.manual is not None
    assert connector.credential.manual.session_token_ref is None
    assert list(connector.secret_refs()) == [f"{MANUAL}.secretKeyRef"]


@pytest.mark.parametrize("spec", [None, {}])
def test_manual_without_spec(spec: Any) -> None:
    paths = problem_paths(_manual(spec))
    if spec is None:
        assert paths == [MANUAL]
    else:  # an empty mapping: each missing field at its own path
        assert paths == [f"{MANUAL}.accessKey", f"{MANUAL}.secretKeyRef"]


@pytest.mark.parametrize("spec", [["accessKey"], "AKIA", 5])
def test_manual_spec_of_the_wrong_shape_is_one_problem(spec: Any) -> None:
    [problem] = problems(_manual(spec))
    assert (problem.path, problem.message) == (MANUAL, "must be a mapping")


def test_manual_unknown_field() -> None:
    doc = _manual({"accessKey": KEY, "secretKeyRef": "sk", "secretKey": "plain!"})
    [problem] = problems(doc)
    assert (problem.path, problem.message) == (
        f"{MANUAL}.secretKey",
        "unknown field; did you mean 'secretKeyRef'?",
    )


def test_manual_empty_access_key_is_one_problem() -> None:
    [problem] = problems(_manual({"accessKey": "  ", "secretKeyRef": "sk"}))
    assert (problem.path, problem.message) == (f"{MANUAL}.accessKey", "must not be empty")


def test_manual_numeric_access_key_is_not_an_access_key() -> None:
    [problem] = problems(_manual({"accessKey": 1234, "secretKeyRef": "sk"}))
    assert (problem.path, problem.message) == (f"{MANUAL}.accessKey", "is not an AWS access key ID")


def test_manual_reports_every_bad_field_at_once() -> None:
    doc = _manual({"accessKeyRef": "project.x", "secretKeyRef": "1bad", "sessionTokenRef": "a-b"})
    assert problem_paths(doc) == [
        f"{MANUAL}.accessKeyRef",
        f"{MANUAL}.secretKeyRef",
        f"{MANUAL}.sessionTokenRef",
    ]


# --- crossAccountAccess ---------------------------------------------------------------------

CROSS = "spec.credential.crossAccountAccess"


@pytest.mark.parametrize(
    ("arn", "partition", "region"),
    [
        ("arn:aws:iam::123456789012:role/deploy", "aws", "us-east-1"),
        ("arn:aws:iam::000000000000:role/path/to/deploy", "aws", "eu-west-1"),
        ("arn:aws:iam::123456789012:role/a+=,.@-_b", "aws", "us-east-1"),
        ("arn:aws:iam::123456789012:role/" + "r" * 64, "aws", "us-east-1"),
        ("arn:aws-us-gov:iam::123456789012:role/deploy", "aws-us-gov", "us-gov-west-1"),
        ("arn:aws-cn:iam::123456789012:role/service-role/deploy", "aws-cn", "cn-north-1"),
    ],
)
def test_valid_role_arns(arn: str, partition: str, region: str) -> None:
    doc = set_path(manual_doc(), f"{CROSS}.crossAccountRoleArn", arn)
    set_path(doc, "spec.credential.region", region)
    cross = parse_connector_document(doc).credential.cross_account
    assert cross == CrossAccountAccess(arn)
    assert cross.partition == partition
    assert cross.account == arn.split(":")[4]


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "deploy",
        "arn:aws:iam::123456789012:user/deploy",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::12345678901:role/deploy",
        "arn:aws:iam::1234567890123:role/deploy",
        "arn:aws:iam:us-east-1:123456789012:role/deploy",
        "arn:aws:sts::123456789012:assumed-role/deploy/session",
        "arn:aws-iso:iam::123456789012:role/deploy",
        "arn:azure:iam::123456789012:role/deploy",
        "arn:aws:iam::123456789012:role/" + "r" * 65,
        "arn:aws:iam::123456789012:role/has space",
        "arn:aws:iam::123456789012:role/rôle",
        "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/deploy",  # Arabic-Indic digits are not an account
    ],
)
def test_invalid_role_arns(arn: str) -> None:
    doc = set_path(manual_doc(), f"{CROSS}.crossAccountRoleArn", arn)
    [problem] = problems(doc)
    assert problem.path == f"{CROSS}.crossAccountRoleArn"
    assert problem.given == arn
    assert problem.allowed is not None
    for partition in ("aws", "aws-us-gov", "aws-cn"):
        assert partition in problem.allowed


def test_role_arn_is_required_in_cross_account_access() -> None:
    doc = set_path(manual_doc(), CROSS, {"externalId": "ext-123"})
    [problem] = problems(doc)
    assert (problem.path, problem.message) == (f"{CROSS}.crossAccountRoleArn", "is required")


def test_external_id_is_optional_and_kept() -> None:
    doc = set_path(manual_doc(), CROSS, {"crossAccountRoleArn": ROLE_ARN})
    assert parse_connector_document(doc).credential.cross_account == CrossAccountAccess(ROLE_ARN)
    set_path(doc, f"{CROSS}.externalId", "ext-123")
    cross = parse_connector_document(doc).credential.cross_account
    assert cross == CrossAccountAccess(ROLE_ARN, "ext-123")


@pytest.mark.parametrize(("length", "ok"), [(1, False), (2, True), (1224, True), (1225, False)])
def test_external_id_length(length: int, ok: bool) -> None:
    doc = set_path(
        manual_doc(), CROSS, {"crossAccountRoleArn": ROLE_ARN, "externalId": "e" * length}
    )
    if ok:
        assert problems(doc) == []
    else:
        assert problem_paths(doc) == [f"{CROSS}.externalId"]


def test_cross_account_unknown_field() -> None:
    doc = set_path(manual_doc(), CROSS, {"crossAccountRoleArn": ROLE_ARN, "sessionName": "x"})
    assert problem_paths(doc) == [f"{CROSS}.sessionName"]


@pytest.mark.parametrize("make", [manual_doc, inherit_doc, irsa_doc])
def test_every_credential_type_may_assume_a_role(make: Any) -> None:
    doc = set_path(make(), f"{CROSS}.crossAccountRoleArn", ROLE_ARN)
    assert parse_connector_document(doc).credential.cross_account == CrossAccountAccess(ROLE_ARN)


# --- region and partition -------------------------------------------------------------------

REGION = "spec.credential.region"


@pytest.mark.parametrize("make", [manual_doc, inherit_doc, irsa_doc])
def test_region_defaults_to_us_east_1(make: Any) -> None:
    connector = parse_connector_document(make())
    assert connector.region == "us-east-1"
    assert connector.partition == "aws"


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-west-2", "aws"),
        ("af-south-1", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
    ],
)
def test_known_regions_set_the_partition(region: str, partition: str) -> None:
    connector = parse_connector_document(set_path(inherit_doc(), REGION, region))
    assert (connector.region, connector.partition) == (region, partition)


@pytest.mark.parametrize(
    "region", ["us-east-9", "US-EAST-1", "useast1", "us-iso-east-1", "mars-1", " us-east-1"]
)
def test_unknown_regions_are_refused(region: str) -> None:
    [problem] = problems(set_path(inherit_doc(), REGION, region))
    assert problem.path == REGION
    assert problem.given == region
    assert problem.allowed is not None and "aws-us-gov" in problem.allowed


@pytest.mark.parametrize(
    ("region", "arn_partition", "ok"),
    [
        ("us-east-1", "aws", True),
        ("us-gov-west-1", "aws-us-gov", True),
        ("cn-northwest-1", "aws-cn", True),
        ("us-east-1", "aws-us-gov", False),
        ("us-east-1", "aws-cn", False),
        ("us-gov-east-1", "aws", False),
        ("us-gov-east-1", "aws-cn", False),
        ("cn-north-1", "aws", False),
        ("cn-north-1", "aws-us-gov", False),
    ],
)
def test_region_partition_must_match_the_role_arn(
    region: str, arn_partition: str, ok: bool
) -> None:
    arn = f"arn:{arn_partition}:iam::123456789012:role/deploy"
    doc = set_path(irsa_doc(), f"{CROSS}.crossAccountRoleArn", arn)
    set_path(doc, REGION, region)
    found = problems(doc)
    if ok:
        assert found == []
        return
    [problem] = found
    assert problem.path == REGION
    assert problem.message.startswith("PARTITION_MISMATCH")
    assert problem.given == region
    assert problem.allowed == f"a region of {arn_partition}"


def test_default_region_against_a_govcloud_role_is_a_mismatch() -> None:
    arn = "arn:aws-us-gov:iam::123456789012:role/deploy"
    doc = set_path(inherit_doc(), f"{CROSS}.crossAccountRoleArn", arn)
    [problem] = problems(doc)
    assert problem.path == REGION
    assert problem.given == "us-east-1"
    assert "PARTITION_MISMATCH" in problem.message


def test_an_unknown_region_is_not_also_called_a_mismatch() -> None:
    doc = set_path(inherit_doc(), f"{CROSS}.crossAccountRoleArn", ROLE_ARN)
    set_path(doc, REGION, "us-gov-nowhere-1")
    [problem] = problems(doc)
    assert problem.message == "is not a known AWS region"
