"""A real ``awsconn server --issuer-url`` process as an OIDC issuer: the discovery
document field by field and the JWKS over HTTP without a token; tokens signed with the
store's keys verified by PyJWT (an independent JOSE library) against the served JWKS, a
tampered one refused; ``awsconn oidc rotate-key`` with overlap; an OidcAuthentication
connector tested through the API (moto without auth: it does not verify tokens)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.model import parse_connector_document
from awsconn.service.context import AppContext
from awsconn.service.oidc_issuer import mint_token

ROLE = "arn:aws:iam::123456789012:role/deploy"


class IssuerServer(ApiServer):
    """``awsconn server`` whose issuer URL is its own loopback URL."""

    def command(self) -> list[str]:
        return [*super().command(), "--issuer-url", self.url]


@pytest.fixture(scope="module")
def issuer(
    tmp_path_factory: pytest.TempPathFactory, moto_noauth: LocalAwsEndpoint
) -> Iterator[IssuerServer]:
    server = IssuerServer(tmp_path_factory.mktemp("issuer"), aws_endpoint=moto_noauth.url)
    with server:
        yield server


def _connector(identifier: str = "deploy", **spec: Any) -> dict[str, Any]:
    return {
        "connector": {
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": "eng",
            "projectIdentifier": "web",
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "OidcAuthentication",
                    "spec": {"iamRoleArn": ROLE, **spec},
                    "region": "us-east-1",
                },
                "executeOnDelegate": False,
            },
        }
    }


def _mint(server: IssuerServer) -> str:
    """A token signed with the server's stored keys (as the server signs them)."""
    env = {**server.service_environ(), "AWSCONN_OIDC_ISSUER_URL": server.url}
    ctx = AppContext(environ=env)
    try:
        return mint_token(ctx, parse_connector_document(_connector())).token
    finally:
        ctx.close()


def _verify(server: IssuerServer, token: str) -> dict[str, Any]:
    """PyJWT fetches the discovery document's jwks_uri over HTTP and checks everything."""
    jwks_uri = pyjwt.PyJWKClient(  # a fresh client: no key cached from earlier calls
        _discovery(server)["jwks_uri"], cache_keys=False, cache_jwk_set=False
    )
    key = jwks_uri.get_signing_key_from_jwt(token).key
    claims: dict[str, Any] = pyjwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience="sts.amazonaws.com",
        issuer=server.url,
        options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
    )
    return claims


def _discovery(server: IssuerServer) -> dict[str, Any]:
    with server.client(token="") as http:
        answer = http.get("/.well-known/openid-configuration")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = answer.json()
    return document


def test_the_discovery_document_field_by_field(issuer: IssuerServer) -> None:
    document = _discovery(issuer)
    assert document["issuer"] == issuer.url
    assert document["jwks_uri"] == f"{issuer.url}/.well-known/jwks.json"
    assert document["response_types_supported"] == ["id_token"]
    assert document["subject_types_supported"] == ["public"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["scopes_supported"] == ["openid"]
    assert {"iss", "aud", "sub", "iat", "exp", "jti"} <= set(document["claims_supported"])
    assert set(document) == {
        "issuer",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "claims_supported",
        "scopes_supported",
    }
    assert "plain HTTP on a loopback address" in issuer.logs()


def test_the_jwks_serves_public_rsa_keys_only(issuer: IssuerServer) -> None:
    with issuer.client(token="") as http:
        keys = http.get("/.well-known/jwks.json").json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_a_token_verifies_against_the_served_keys_and_a_tampered_one_does_not(
    issuer: IssuerServer,
) -> None:
    token = _mint(issuer)
    claims = _verify(issuer, token)
    assert claims["sub"] == "account/default:org/eng:project/web:connector/deploy"
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["aud"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(pyjwt.InvalidSignatureError):
        _verify(issuer, f"{header}.{forged}.{signature}")


def test_rotation_serves_both_keys_while_old_tokens_live(issuer: IssuerServer) -> None:
    before = _mint(issuer)
    old_kid = pyjwt.get_unverified_header(before)["kid"]
    rotated = subprocess.run(
        [sys.executable, "-m", "awsconn", "oidc", "rotate-key", "-o", "json"],
        env=issuer.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rotated.returncode == 0, rotated.stderr
    done = json.loads(rotated.stdout)
    assert done["retired"] == [old_kid] and done["kid"] != old_kid
    with issuer.client(token="") as http:
        kids = [k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [done["kid"], old_kid]
    after = _mint(issuer)
    assert pyjwt.get_unverified_header(after)["kid"] == done["kid"]
    assert _verify(issuer, before)["jti"] != _verify(issuer, after)["jti"]


def test_an_oidc_connector_is_tested_on_the_server(
    issuer: IssuerServer, moto_noauth: LocalAwsEndpoint
) -> None:
    role = moto_noauth.create_role("oidc-server-role", web_identity=True)
    doc = _connector("srv")
    doc["connector"]["spec"]["credential"]["spec"]["iamRoleArn"] = role.arn
    scope = {"orgIdentifier": "eng", "projectIdentifier": "web"}
    with issuer.client() as http:
        made = http.post("/ng/api/connectors", json=doc)
        assert made.status_code == 200, made.text
        spec = made.json()["data"]["connector"]["spec"]["credential"]
        assert spec["type"] == "OidcAuthentication"
        assert spec["spec"]["iamRoleArn"] == role.arn
        tested = http.post("/ng/api/connectors/testConnection/srv", params=scope)
        listed = http.post(
            "/ng/api/connectors/listV2",
            params=scope,
            json={"filterType": "Connector", "credentialTypes": ["OidcAuthentication"]},
        )
    assert [c["connector"]["identifier"] for c in listed.json()["data"]["content"]] == ["srv"]
    result = tested.json()["data"]
    assert result["status"] == "SUCCESS", result
    assert result["identity"]["credentialMethod"] == "assume-role-with-web-identity"

    # the CLI through the server: the server signs, the CLI gets the role's credentials
    token = issuer.make_token("editor", org="eng", project="web", access=True)
    env = {**issuer.env, "AWSCONN_URL": issuer.url, "AWSCONN_TOKEN": token}
    env.pop("AWSCONN_HOME")
    done = subprocess.run(
        [sys.executable, "-m", "awsconn", "credentials", "eng/web/srv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    creds = json.loads(done.stdout)
    assert creds["Version"] == 1 and creds["AccessKeyId"] and creds["SessionToken"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://awsconn.example.com", "must use https"),
        ("https://awsconn.example.com/oidc", "only under its root path"),
    ],
)
def test_a_bad_issuer_url_is_refused_before_anything_starts(
    tmp_path: Path, url: str, says: str
) -> None:
    server = ApiServer(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "awsconn", "server", "--issuer-url", url],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert not (server.home / "admin-token").exists()


def test_a_server_without_an_issuer_url_is_not_an_issuer(tmp_path: Path) -> None:
    with ApiServer(tmp_path) as server, server.client(token="") as http:
        answer = http.get("/.well-known/openid-configuration")
        assert answer.status_code == 404
        assert "not an OIDC issuer" in answer.text
        assert http.get("/.well-known/jwks.json").status_code == 404
