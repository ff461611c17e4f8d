"""STS refusing awsconn's ID token (moto accepts any: the refusal comes from a Stubber)
is WEB_IDENTITY_FAILED whose hint names the provider URL, the audience and the ``sub``
the role's trust policy must match; the token itself never shows."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.stub import Stubber

from awsconn.aws.connectivity import run_connection_test
from awsconn.aws.session_spec import WebIdentity
from awsconn.aws.sessions import SessionFactory, SessionSpec

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA"
WEB = WebIdentity(
    role_arn="arn:aws:iam::123456789012:role/deploy",
    token=TOKEN,
    issuer="https://awsconn.example.com/oidc",
    audience="aws-prod",
    subject="account/acme:org/eng:project/web:connector/deploy",
)


@pytest.mark.parametrize("code", ["InvalidIdentityToken", "AccessDenied", "IDPRejectedClaim"])
def test_a_refused_token_names_what_the_trust_policy_must_match(
    code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = SessionFactory({"AWS_EC2_METADATA_DISABLED": "true"})
    real = factory._make_client

    def make_client(bc: Any, service: str, *args: Any, **kwargs: Any) -> Any:
        client = real(bc, service, *args, **kwargs)
        if client.meta.config.signature_version is UNSIGNED:  # the web identity fetcher's
            stub = Stubber(client)
            stub.add_client_error(
                "assume_role_with_web_identity",
                code,
                f"Not authorized: token {TOKEN} refused",
                http_status_code=400,
            )
            stub.activate()
        return client

    monkeypatch.setattr(factory, "_make_client", make_client)
    spec = SessionSpec("eng/web/deploy", "OidcAuthentication", "us-east-1", web_identity=WEB)
    result = run_connection_test(spec, factory)
    [error] = result.errors
    assert error.code == "WEB_IDENTITY_FAILED", error
    assert "URL https://awsconn.example.com/oidc and audience aws-prod" in error.hint
    assert "awsconn.example.com/oidc:aud = aws-prod" in error.hint
    assert f"awsconn.example.com/oidc:sub matching {WEB.subject}" in error.hint
    assert TOKEN not in f"{error.message} {error.hint}" and TOKEN not in repr(spec)


def test_the_token_counts_among_the_specs_secrets() -> None:
    spec = SessionSpec("x", "OidcAuthentication", "us-east-1", web_identity=WEB)
    assert spec.secrets() == (TOKEN,)
