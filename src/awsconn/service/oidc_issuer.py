"""awsconn as an OpenID Connect issuer: signing keys, discovery, JWKS, ID tokens.

Why: an ``OidcAuthentication`` connector holds no key at all. awsconn signs a short ID
token naming the connector (``sub``), AWS STS checks it against the keys this issuer
publishes and answers AssumeRoleWithWebIdentity with the role's credentials.

- The issuer URL is the setting ``AWSCONN_OIDC_ISSUER_URL`` (``awsconn server
  --issuer-url`` sets it for the server): the public HTTPS URL where AWS fetches
  ``{issuer}/.well-known/openid-configuration`` and the JWKS. The CLI on a local store
  signs with the same keys in the same store under the same setting.
- Keys: RS256 (RSA 2048), private keys sealed with the master key (AES-GCM, the
  associated data naming the key's ``kid`` and the master key's id), made on first use.
  :func:`rotate_key` makes a new one; the old ones sign nothing more but stay in the JWKS
  for ``KEY_OVERLAP_S``, past the expiry of every token they signed.
- Tokens (:func:`mint_token`): ``iss``, ``aud``, ``sub`` (``model.oidc.subject_of``),
  ``iat``, ``nbf``, ``exp`` (5 minutes), ``jti`` and an ``awsconn`` claim (account, org,
  project, connector, the requesting principal). Signed with joserfc.

A token is minted where the connector's work runs; a delegate task can carry one
(:class:`MintedToken` is plain data).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsCallFailed, AwsFailure, Problem, ValidationFailed
from awsconn.model import Connector, Scope
from awsconn.model.oidc import (
    DEFAULT_AUDIENCE,
    ISSUER_URL_RULE,
    KEY_OVERLAP_S,
    TOKEN_LIFETIME_S,
    IssuerUrl,
    check_issuer_url,
    subject_of,
)
from awsconn.service.access import Permission
from awsconn.service.context import AppContext

if TYPE_CHECKING:
    from awsconn.secrets.crypto import Keyring

__all__ = [
    "ISSUER_URL_ENV",
    "KeyInfo",
    "MintedToken",
    "RotatedKey",
    "configured_issuer",
    "discovery",
    "jwks",
    "list_keys",
    "mint_token",
    "reseal_signing_keys",
    "rotate_key",
]

ISSUER_URL_ENV = "AWSCONN_OIDC_ISSUER_URL"
_ALG = "RS256"
_RSA_BITS = 2048


@dataclass(frozen=True)
class MintedToken:
    """An ID token and what a trust policy must match for it (the token is a credential:
    its repr hides it)."""

    token: str = field(repr=False)
    issuer: str
    audience: str
    subject: str
    expires_at: datetime
    kid: str


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    published_until: datetime | None

    @property
    def signing(self) -> bool:
        return self.retired_at is None


@dataclass(frozen=True)
class RotatedKey:
    kid: str
    retired: tuple[str, ...]
    published_until: datetime


def configured_issuer(environ: Mapping[str, str]) -> IssuerUrl | None:
    """The issuer URL set in ``AWSCONN_OIDC_ISSUER_URL`` (None when unset); a value that
    cannot be one is ValidationFailed naming the setting."""
    raw = environ.get(ISSUER_URL_ENV, "").strip()
    if not raw:
        return None
    issuer, why = check_issuer_url(raw)
    if issuer is None:
        problem = Problem(ISSUER_URL_ENV, why or "is not valid", given=raw, allowed=ISSUER_URL_RULE)
        raise ValidationFailed([problem], what="OIDC issuer URL")
    return issuer


def _issuer(ctx: AppContext) -> IssuerUrl:
    issuer = configured_issuer(ctx.runtime.environ)
    if issuer is None:
        raise AwsCallFailed(
            AwsFailure(
                "WEB_IDENTITY_FAILED",
                f"no OIDC issuer URL is configured ({ISSUER_URL_ENV}): awsconn cannot sign "
                "the ID token of an OidcAuthentication connector",
                f"set {ISSUER_URL_ENV} (on a server: its issuer URL option) to the public "
                "https:// URL AWS fetches the issuer's keys from, the URL of the IAM OIDC "
                "provider the role trusts",
            )
        )
    return issuer


def discovery(ctx: AppContext) -> dict[str, Any]:
    """The OpenID Connect Discovery document of this issuer (what AWS reads first)."""
    issuer = _issuer(ctx)
    return {
        "issuer": issuer.url,
        "jwks_uri": issuer.jwks_url,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [_ALG],
        "claims_supported": ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "awsconn"],
        "scopes_supported": ["openid"],
    }


def jwks(ctx: AppContext) -> dict[str, Any]:
    """The public keys a verifier may need now (the signing key first), as a JWK Set."""
    _issuer(ctx)
    _ensure_signing_key(ctx)
    with ctx.db.transaction(write=False) as tx:
        rows = tx.oidc_keys.published(ctx.clock())
    return {"keys": [json.loads(row.public_jwk) for row in rows]}


def list_keys(ctx: AppContext) -> list[KeyInfo]:
    """Every key still published, newest first (no key material)."""
    ctx.caller.require(Permission.TOKEN_ADMIN, Scope())
    with ctx.db.transaction(write=False) as tx:
        rows = tx.oidc_keys.published(ctx.clock())
    return [KeyInfo(r.kid, r.created_at, r.retired_at, r.published_until) for r in rows]


def rotate_key(ctx: AppContext) -> RotatedKey:
    """A new signing key; the keys it replaces stay published for ``KEY_OVERLAP_S`` (every
    token they signed has expired by then), and keys past that are forgotten."""
    ctx.caller.require(Permission.TOKEN_ADMIN, Scope())
    now = ctx.clock()
    until = now + timedelta(seconds=KEY_OVERLAP_S)
    with ctx.db.transaction() as tx:
        retiring = [r.kid for r in tx.oidc_keys.published(now) if r.retired_at is None]
        tx.oidc_keys.retire_all(published_until=until)
        tx.oidc_keys.forget_unpublished(now)
        kid = _add_key(ctx, tx)
    return RotatedKey(kid, tuple(retiring), until)


def mint_token(ctx: AppContext, connector: Connector) -> MintedToken:
    """A signed ID token for ``connector`` (its ``OidcAuthentication`` audience), naming
    the caller as the requesting principal. The caller's permission on the connector is
    the use case's to ask (dispatch asks it before any secret or token is made)."""
    from joserfc import jwt

    issuer = _issuer(ctx)
    oidc = connector.credential.oidc
    audience = (oidc.audience if oidc is not None else None) or DEFAULT_AUDIENCE
    account = ctx.runtime.account
    subject = subject_of(account, connector.scope, connector.identifier)
    kid, key = _signing_key(ctx)
    now = ctx.clock()
    expires = now + timedelta(seconds=TOKEN_LIFETIME_S)
    scope: dict[str, str] = {"account": account}
    if connector.scope.org is not None:
        scope["org"] = connector.scope.org
    if connector.scope.project is not None:
        scope["project"] = connector.scope.project
    claims = {
        "iss": issuer.url,
        "aud": audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
        "awsconn": {
            **scope,
            "connector": connector.identifier,
            "principal": ctx.caller.name,
        },
    }
    token = jwt.encode({"alg": _ALG, "kid": kid, "typ": "JWT"}, claims, key, algorithms=[_ALG])
    return MintedToken(token, issuer.url, audience, subject, expires, kid)


# -- keys ----------------------------------------------------------------------------


def _aad(kid: str, key_id: str) -> bytes:
    return json.dumps(["awsconn.oidc-signing-key.v1", kid, key_id]).encode()


def _add_key(ctx: AppContext, tx: Any) -> str:
    """Make an RSA key, seal its private half, store it; returns its ``kid`` (the RFC 7638
    thumbprint of its public key)."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(_RSA_BITS, private=True)
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "alg": _ALG, "use": "sig"}
    ring = ctx.runtime.secrets.keyring_to_seal(tx=tx)
    pem = key.as_pem(private=True)
    sealed = ring.encrypt(pem, aad=_aad(kid, ring.current_key_id))
    tx.oidc_keys.add(
        kid=kid,
        public_jwk=json.dumps(public, sort_keys=True),
        key_id=sealed.key_id,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
    )
    return kid


def _ensure_signing_key(ctx: AppContext) -> None:
    with ctx.db.transaction(write=False) as tx:
        if tx.oidc_keys.signing() is not None:
            return
    with ctx.db.transaction() as tx:  # SQLite: one writer at a time; PostgreSQL: a race
        if tx.oidc_keys.signing() is None:  # makes two keys, both published, newest signs
            _add_key(ctx, tx)


def _master_keys(ctx: AppContext, row: Any) -> Keyring:
    """The master keys to open ``row`` (a signing key) with; MASTER_KEY_MISSING when
    none is configured."""
    from awsconn.errors import MasterKeyMissing

    ring = ctx.runtime.master_keys.load()
    if ring is None:
        raise MasterKeyMissing(
            f"the OIDC signing key {row.kid} is sealed under master key {row.key_id!r}, and "
            f"no master key is configured; looked in {ctx.runtime.master_keys.where}",
            hint=f"restore the key file (or set AWSCONN_MASTER_KEY) holding {row.key_id!r}",
        )
    return ring


def _opened(ring: Keyring, row: Any) -> bytes:
    """The private key's PEM of the signing key ``row``."""
    from awsconn.secrets.crypto import Sealed

    return ring.decrypt(
        Sealed(row.key_id, row.nonce, row.ciphertext),
        aad=_aad(row.kid, row.key_id),
        what=f"the OIDC signing key {row.kid}",
    )


def reseal_signing_keys(ctx: AppContext, *, write: bool = True) -> int:
    """Re-seal every kept signing key not sealed under the newest master key (after one
    was added, as ``awsconn secret rotate-key`` and ``reencrypt`` do for secrets); the
    count. Every key is opened first, so a master key that cannot open one is reported
    (MASTER_KEY_MISMATCH / MISSING) before anything is written; ``write=False`` only
    opens them and counts those that would be re-sealed."""
    with ctx.db.transaction(write=write) as tx:
        rows = tx.oidc_keys.every()
        if not rows:
            return 0
        ring = _master_keys(ctx, rows[0])
        opened = [(row, _opened(ring, row)) for row in rows]
        stale = [(row, pem) for row, pem in opened if row.key_id != ring.current_key_id]
        if not write:
            return len(stale)
        count = 0
        for row, pem in stale:
            sealed = ring.encrypt(pem, aad=_aad(row.kid, ring.current_key_id))
            count += tx.oidc_keys.reseal(
                row.kid,
                sealed_under=row.key_id,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
            )
    return count


@functools.lru_cache(maxsize=8)
def _private_key(pem: bytes) -> Any:
    """The parsed key of an opened PEM. Parsing checks the RSA key (tens of ms with OpenSSL
    3); the PEM is opened with the master key on every use, only the parse is reused."""
    from joserfc.jwk import RSAKey

    return RSAKey.import_key(pem)


def _signing_key(ctx: AppContext) -> tuple[str, Any]:
    """The ``kid`` and the opened private key of the signing key (made on first use)."""
    with ctx.db.transaction(write=False) as tx:
        row = tx.oidc_keys.signing()
    if row is None:
        _ensure_signing_key(ctx)
        with ctx.db.transaction(write=False) as tx:
            row = tx.oidc_keys.signing()
    assert row is not None
    return row.kid, _private_key(_opened(_master_keys(ctx, row), row))
