"""awsconn's OIDC issuer in-process: tokens PyJWT (an independent library) accepts with
the published JWKS, a tampered token refused, rotation with overlap, keys sealed at rest."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

from awsconn.errors import AwsCallFailed, ValidationFailed
from awsconn.model import parse_connector_document
from awsconn.model.oidc import KEY_OVERLAP_S, TOKEN_LIFETIME_S
from awsconn.service.access import Caller, Role
from awsconn.service.context import AppContext
from awsconn.service.oidc_issuer import discovery, jwks, list_keys, mint_token, rotate_key

ISSUER = "https://awsconn.example.com"
ROLE = "arn:aws:iam::123456789012:role/deploy"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(tmp_path: Path, clock: Clock, db_url: str) -> Iterator[AppContext]:
    """SQLite and PostgreSQL (with AWSCONN_TEST_POSTGRES_URL)."""
    env = {
        "AWSCONN_HOME": str(tmp_path / "home"),
        "AWSCONN_DATABASE_URL": db_url,
        "AWSCONN_OIDC_ISSUER_URL": ISSUER + "/",
    }
    context = AppContext(environ=env, clock=clock)
    yield context
    context.close()


def connector(scope: dict[str, str] | None = None, **spec: Any) -> Any:
    body: dict[str, Any] = {
        "name": "deploy",
        "identifier": "deploy",
        "type": "Aws",
        **(scope or {}),
        "spec": {
            "credential": {"type": "OidcAuthentication", "spec": {"iamRoleArn": ROLE, **spec}},
            "executeOnDelegate": False,
        },
    }
    return parse_connector_document({"connector": body})


def verify(token: str, keys: dict[str, Any], audience: str = "sts.amazonaws.com") -> Any:
    """PyJWT's checks: signature by the key the header names, iss, aud, exp, iat."""
    kid = pyjwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in keys["keys"] if k["kid"] == kid]
    key = pyjwt.PyJWK(jwk).key
    return pyjwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
    )


def test_a_token_verifies_with_the_published_keys_and_names_the_connector(
    ctx: AppContext, clock: Clock
) -> None:
    minted = mint_token(ctx, connector({"orgIdentifier": "eng", "projectIdentifier": "web"}))
    claims = verify(minted.token, jwks(ctx))
    assert claims["sub"] == "account/default:org/eng:project/web:connector/deploy"
    assert claims["sub"] == minted.subject
    assert claims["exp"] - claims["iat"] == TOKEN_LIFETIME_S
    assert claims["iat"] == int(clock.now.timestamp())
    assert claims["awsconn"] == {
        "account": "default",
        "org": "eng",
        "project": "web",
        "connector": "deploy",
        "principal": "local",
    }
    assert pyjwt.get_unverified_header(minted.token)["alg"] == "RS256"
    assert minted.token not in repr(minted)


def test_the_audience_is_the_connectors_own_when_it_names_one(ctx: AppContext) -> None:
    minted = mint_token(ctx, connector(audience="awsconn-prod"))
    assert verify(minted.token, jwks(ctx), audience="awsconn-prod")["sub"] == (
        "account/default:connector/deploy"
    )
    with pytest.raises(pyjwt.InvalidAudienceError):
        verify(minted.token, jwks(ctx))


def test_a_tampered_token_is_refused(ctx: AppContext) -> None:
    token = mint_token(ctx, connector()).token
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "account/default:connector/someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(pyjwt.InvalidSignatureError):
        verify(f"{header}.{forged}.{signature}", jwks(ctx))
    flipped = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    with pytest.raises(pyjwt.InvalidSignatureError):
        verify(f"{header}.{payload}.{flipped}", jwks(ctx))


def test_rotation_keeps_the_old_key_published_until_its_tokens_expired(
    ctx: AppContext, clock: Clock
) -> None:
    old = mint_token(ctx, connector())
    done = rotate_key(ctx)
    assert done.retired == (old.kid,)
    new = mint_token(ctx, connector())
    assert new.kid == done.kid != old.kid
    keys = jwks(ctx)
    assert [k["kid"] for k in keys["keys"]] == [new.kid, old.kid]
    assert verify(old.token, keys)["jti"] != verify(new.token, keys)["jti"]
    assert done.published_until == clock.now + timedelta(seconds=KEY_OVERLAP_S)
    assert done.published_until > old.expires_at

    clock.now += timedelta(seconds=KEY_OVERLAP_S + 1)  # every token of the old key expired
    assert [k["kid"] for k in jwks(ctx)["keys"]] == [new.kid]
    rotate_key(ctx)
    assert old.kid not in [k.kid for k in list_keys(ctx)]  # forgotten


def test_private_keys_are_sealed_in_the_store(tmp_path: Path) -> None:
    env = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_OIDC_ISSUER_URL": ISSUER}
    ctx = AppContext(environ=env)
    mint_token(ctx, connector())
    rotate_key(ctx)
    mint_token(ctx, connector())
    ctx.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("awsconn.db*"))
    assert b"PRIVATE KEY" not in raw
    assert b'"kty": "RSA"' in raw  # the public halves are there, in the clear
    for key in jwks(ctx)["keys"]:
        assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}  # no private part


def test_discovery_names_the_issuer_and_its_jwks(ctx: AppContext) -> None:
    doc = discovery(ctx)
    assert doc["issuer"] == ISSUER
    assert doc["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def test_without_an_issuer_url_no_token_is_signed(tmp_path: Path) -> None:
    ctx = AppContext(environ={"AWSCONN_HOME": str(tmp_path)})
    with pytest.raises(AwsCallFailed) as raised:
        mint_token(ctx, connector())
    assert raised.value.failure.code == "WEB_IDENTITY_FAILED"
    assert "AWSCONN_OIDC_ISSUER_URL" in raised.value.failure.message
    bad = AppContext(environ={"AWSCONN_HOME": str(tmp_path), "AWSCONN_OIDC_ISSUER_URL": "http://x"})
    with pytest.raises(ValidationFailed) as invalid:
        mint_token(bad, connector())
    assert invalid.value.problems[0].path == "AWSCONN_OIDC_ISSUER_URL"


def test_only_an_admin_rotates_or_lists_keys(ctx: AppContext) -> None:
    from awsconn.errors import Forbidden

    editor = ctx.for_request(Caller(name="ed", role=Role.EDITOR))
    with pytest.raises(Forbidden):
        rotate_key(editor)
    with pytest.raises(Forbidden):
        list_keys(editor)


def test_another_master_key_opens_no_signing_key_even_after_one_was_used(
    tmp_path: Path,
) -> None:
    from awsconn.errors import MasterKeyMismatch
    from awsconn.secrets.crypto import generate_key_entry

    home = str(tmp_path / "home")
    env = {"AWSCONN_HOME": home, "AWSCONN_OIDC_ISSUER_URL": ISSUER}
    right = generate_key_entry()
    ctx = AppContext(environ={**env, "AWSCONN_MASTER_KEY": right})
    mint_token(ctx, connector())  # opened and parsed once in this process
    ctx.close()
    wrong = AppContext(environ={**env, "AWSCONN_MASTER_KEY": generate_key_entry()})
    with pytest.raises(MasterKeyMismatch):
        mint_token(wrong, connector())
    wrong.close()


def test_a_master_key_rotation_reseals_the_signing_keys_so_old_keys_can_go(
    ctx: AppContext,
) -> None:
    from awsconn.service import secrets

    before = mint_token(ctx, connector())  # the first signing key, sealed under key 1
    rotate_key(ctx)  # a second one: the first stays published, both sealed under key 1
    kid, done = secrets.rotate_master_key(ctx)
    assert (done.secrets, done.signing_keys) == (0, 2)
    assert "2 OIDC signing keys" in done.describe()
    assert secrets.reencrypt(ctx).signing_keys == 0  # nothing left under an older key
    key_file = ctx.runtime.master_keys.key_file
    newest = key_file.read_text().splitlines()[0]
    assert newest.startswith(f"{kid}:")
    key_file.write_text(newest + "\n")  # the older master keys retired
    ctx.reload_keys()
    after = mint_token(ctx, connector())  # opens the signing key with the newest key only
    keys = jwks(ctx)
    assert verify(after.token, keys)["sub"] == verify(before.token, keys)["sub"]
