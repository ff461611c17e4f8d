"""OidcAuthentication (Harness's AwsOidcSpec: ``iamRoleArn``; awsconn's ``audience``):
parsed, checked at its paths, written back as it came; the token's ``sub`` per scope."""

from __future__ import annotations

from typing import Any

import pytest
from model_documents import inherit_doc, problems, set_path

from awsconn.model import (
    CredentialType,
    Scope,
    connector_to_document,
    dump_connectors_yaml,
    load_yaml_documents,
    parse_connector_document,
)
from awsconn.model.oidc import (
    OidcTrustScope,
    check_issuer_url,
    subject_of,
    web_identity_trust_policy,
)

ROLE = "arn:aws:iam::123456789012:role/awsconn-oidc"
SPEC = "spec.credential.spec"


def oidc_doc(**spec: Any) -> dict[str, Any]:
    doc = inherit_doc()
    set_path(doc, "spec.credential.type", "OidcAuthentication")
    set_path(doc, "spec.credential.spec", {"iamRoleArn": ROLE, **spec})
    set_path(doc, "spec.executeOnDelegate", False)
    del doc["connector"]["spec"]["delegateSelectors"]
    return doc


def test_an_oidc_connector_parses_and_runs_where_awsconn_runs() -> None:
    connector = parse_connector_document(oidc_doc())
    assert connector.credential_type is CredentialType.OIDC
    assert not CredentialType.OIDC.uses_delegate_identity
    assert connector.credential.oidc is not None
    assert connector.credential.oidc.iam_role_arn == ROLE
    assert connector.credential.oidc.audience is None
    assert connector.secret_refs() == {}


def test_the_yaml_round_trip_keeps_role_and_audience() -> None:
    doc = oidc_doc(audience="awsconn-prod")
    text = dump_connectors_yaml([parse_connector_document(doc)])
    assert "type: OidcAuthentication" in text and f"iamRoleArn: {ROLE}" in text
    [again] = load_yaml_documents(text)
    connector = parse_connector_document(again)
    assert connector_to_document(connector)["connector"]["spec"]["credential"]["spec"] == {
        "iamRoleArn": ROLE,
        "audience": "awsconn-prod",
    }
    assert dump_connectors_yaml([connector]) == text


@pytest.mark.parametrize(
    ("spec", "path", "says"),
    [
        (None, SPEC, "is required for OidcAuthentication"),
        ({}, f"{SPEC}.iamRoleArn", "is required"),
        ({"iamRoleArn": "arn:aws:iam::123:role/x"}, f"{SPEC}.iamRoleArn", "not an IAM role ARN"),
        ({"iamRoleArn": ROLE, "audience": "has space"}, f"{SPEC}.audience", "not an OIDC audience"),
        ({"iamRoleArn": ROLE, "roleArn": "x"}, f"{SPEC}.roleArn", ""),
    ],
)
def test_a_bad_spec_is_named_at_its_path(spec: Any, path: str, says: str) -> None:
    doc = oidc_doc()
    set_path(doc, SPEC, spec)
    found = [p for p in problems(doc) if p.path == path]
    assert found, problems(doc)
    assert says in found[0].message


def test_a_role_in_another_partition_than_the_region_is_refused() -> None:
    doc = oidc_doc()
    set_path(doc, f"{SPEC}.iamRoleArn", "arn:aws-us-gov:iam::123456789012:role/x")
    [problem] = problems(doc)
    assert problem.path == "spec.credential.region"
    assert problem.message.startswith("PARTITION_MISMATCH")


def test_it_may_run_on_a_delegate_with_selectors_or_here() -> None:
    doc = oidc_doc()
    set_path(doc, "spec.executeOnDelegate", True)
    assert parse_connector_document(doc).execute_on_delegate  # no selectors needed


@pytest.mark.parametrize(
    ("scope", "subject"),
    [
        (Scope("eng", "web"), "account/acme:org/eng:project/web:connector/prod"),
        (Scope("eng"), "account/acme:org/eng:connector/prod"),
        (Scope(), "account/acme:connector/prod"),
    ],
)
def test_the_subject_names_account_org_project_and_connector(scope: Scope, subject: str) -> None:
    assert subject_of("acme", scope, "prod") == subject


def test_a_trust_scope_pins_one_connector_or_matches_a_scope() -> None:
    assert (
        OidcTrustScope("a", Scope("o", "p"), "c").subject == "account/a:org/o:project/p:connector/c"
    )
    assert OidcTrustScope("a", Scope("o", "p")).subject == "account/a:org/o:project/p:connector/*"
    assert OidcTrustScope("a", Scope("o")).subject == "account/a:org/o:*"
    assert OidcTrustScope("a", Scope()).subject == "account/a:*"


def test_the_trust_policy_uses_string_equals_for_one_and_string_like_for_a_pattern() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/issuer.example.com/awsconn"
    issuer = "https://issuer.example.com/awsconn"
    one = web_identity_trust_policy(arn, issuer, "sts.amazonaws.com", "account/a:connector/c")
    [statement] = one["Statement"]
    assert statement["Principal"] == {"Federated": arn}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "issuer.example.com/awsconn:aud": "sts.amazonaws.com",
            "issuer.example.com/awsconn:sub": "account/a:connector/c",
        }
    }
    many = web_identity_trust_policy(arn, issuer, "x", "account/a:*")
    assert many["Statement"][0]["Condition"]["StringLike"] == {
        "issuer.example.com/awsconn:sub": "account/a:*"
    }


@pytest.mark.parametrize(
    ("url", "ok", "warns"),
    [
        ("https://awsconn.example.com", True, False),
        ("https://awsconn.example.com/oidc/", True, False),
        ("http://127.0.0.1:7420", True, True),
        ("http://localhost:7420", True, True),
        ("http://[::1]:7420", True, True),
        ("http://awsconn.example.com", False, False),
        ("ftp://awsconn.example.com", False, False),
        ("https://awsconn.example.com/?a=1", False, False),
        ("https://user@awsconn.example.com", False, False),
        ("https:///nohost", False, False),
        ("https://host:notaport", False, False),
        ("", False, False),
    ],
)
def test_the_issuer_url_is_https_or_loopback_http_with_a_warning(
    url: str, ok: bool, warns: bool
) -> None:
    issuer, why = check_issuer_url(url)
    assert (issuer is not None) is ok, why
    if issuer is not None:
        assert (issuer.warning is not None) is warns
        assert not issuer.url.endswith("/")
        assert issuer.discovery_url == issuer.url + "/.well-known/openid-configuration"
