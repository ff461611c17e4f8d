"""A connector's runtime identity: its settings and decrypted secrets as a ``SessionSpec``.

The only place secret values are read for use: they go straight into an
``aws.session_spec.SessionSpec``, whose repr hides them. Plain data and the stdlib only
(no AWS SDK, no pydantic): ``awsconn credentials`` of stored keys goes through here.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from awsconn.errors import (
    AwsCallFailed,
    AwsconnError,
    AwsFailure,
    MasterKeyMismatch,
    MasterKeyMissing,
    NotFound,
    StoreCorrupt,
)
from awsconn.model import Connector, SecretRef
from awsconn.service.context import AppContext
from awsconn.service.core_dumps import forbid_core_dumps

if TYPE_CHECKING:
    from awsconn.aws.session_spec import SessionSpec, StaticKeys, WebIdentity

__all__ = ["failure_of", "session_spec", "spec_or_error"]


def session_spec(ctx: AppContext, connector: Connector) -> SessionSpec:
    """The runtime description of how to reach AWS as this connector (secrets decrypted).

    Raises AwsCallFailed naming the setting and the secret (never its value):
    NO_CREDENTIALS when a secret is missing or cannot be decrypted, INVALID_CREDENTIALS
    when a key or token holds control or non-ASCII characters. From here on the process
    holds secrets, so it first stops writing core dumps.
    """
    from awsconn.aws.session_spec import Backoff, ChainHop, SessionSpec

    forbid_core_dumps()
    cred = connector.credential
    keys = _static_keys(ctx, connector) if cred.manual is not None else None
    web_identity = _web_identity(ctx, connector) if cred.oidc is not None else None
    backoff = None
    if connector.backoff is not None:
        b = connector.backoff
        backoff = Backoff(
            kind=b.kind,  # type: ignore[arg-type]
            retry_count=b.retry_count,
            fixed_backoff_ms=b.fixed_backoff or 0,
            base_delay_ms=b.base_delay or 0,
            max_backoff_ms=b.max_backoff_time or 0,
        )
    return SessionSpec(
        connector=connector.ref.session_label(),
        credential_type=connector.credential_type.value,
        region=connector.region,
        static_keys=keys,
        role_arn=cred.cross_account.role_arn if cred.cross_account else None,
        external_id=cred.cross_account.external_id if cred.cross_account else None,
        backoff=backoff,
        web_identity=web_identity,
        chain=tuple(
            ChainHop(hop.role_arn, hop.external_id)
            for hop in (cred.cross_account.chain if cred.cross_account else ())
        ),
    )


def _web_identity(ctx: AppContext, connector: Connector) -> WebIdentity:
    """OidcAuthentication: an ID token signed for the connector by this awsconn's issuer."""
    from awsconn.aws.session_spec import WebIdentity
    from awsconn.service.oidc_issuer import mint_token

    oidc = connector.credential.oidc
    assert oidc is not None
    minted = mint_token(ctx, connector)
    return WebIdentity(
        role_arn=oidc.iam_role_arn,
        token=minted.token,
        issuer=minted.issuer,
        audience=minted.audience,
        subject=minted.subject,
    )


_KEY_SETTINGS = ("accessKeyRef", "secretKeyRef", "sessionTokenRef")
_UNUSABLE_HINT = (
    "AWS access keys, secret keys and session tokens are one line of printable ASCII: "
    "store the value again without line breaks or other characters ('awsconn secret "
    "update ID')."
)


def _unusable(value: str) -> str | None:
    """What makes a key or token value certainly wrong (never the value itself), or None.

    CR/LF in an HTTP header made http.client echo the whole value in its error; other
    control characters, and non-ASCII (headers are Latin-1 at best), fail the same way.
    """
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return "contains control characters (CR, LF, tab or another non-printing character)"
    if not value.isascii():
        return "contains non-ASCII characters"
    return None


def _static_keys(ctx: AppContext, connector: Connector) -> StaticKeys:
    """The ManualConfig keys, decrypted and checked; every problem named at once."""
    from awsconn.aws.session_spec import StaticKeys

    manual = connector.credential.manual
    assert manual is not None
    refs = manual.secret_refs()
    values: dict[str, str] = {}
    missing: list[str] = []
    unusable: list[str] = []
    for name in _KEY_SETTINGS:
        ref = refs.get(name)
        if ref is None:
            continue
        path = f"spec.credential.spec.{name}"
        value, problem = _reveal(ctx, connector, path, ref)
        if problem is not None:
            missing.append(problem)
            continue
        values[name] = value.strip()
        why = _unusable(values[name])
        if why:
            unusable.append(f"{path}: secret {ref} {why}")
    if manual.access_key is not None:
        values["accessKeyRef"] = manual.access_key.strip()
        why = _unusable(values["accessKeyRef"])
        if why:
            unusable.append(f"spec.credential.spec.accessKey {why}")
    if missing:
        raise AwsCallFailed(
            AwsFailure(
                "NO_CREDENTIALS",
                "; ".join(missing),
                "store the secret again in the scope named, or point the connector at an "
                "existing one",
            )
        )
    if unusable:
        raise AwsCallFailed(AwsFailure("INVALID_CREDENTIALS", "; ".join(unusable), _UNUSABLE_HINT))
    return StaticKeys(
        access_key_id=values["accessKeyRef"],
        secret_access_key=values["secretKeyRef"],
        session_token=values.get("sessionTokenRef"),
    )


def _reveal(
    ctx: AppContext, connector: Connector, path: str, ref: SecretRef
) -> tuple[str, str | None]:
    """(the secret's text, None), or ("", why it cannot be read, naming path and secret)."""
    target = ref.resolve(connector.scope)
    if target is None:
        return "", f"{path}: secret {ref} is an org secret but the connector has no org"
    try:
        secret = ctx.secrets.reveal(
            org=target.scope.org, project=target.scope.project, identifier=target.identifier
        )
        return secret.reveal_text(), None
    except NotFound:
        return "", f"{path}: secret {ref} not found in {target.scope.label()}"
    except (MasterKeyMismatch, MasterKeyMissing, StoreCorrupt):
        raise  # the store's own codes, the same in every command
    except AwsconnError as exc:  # not UTF-8 text, ...
        return "", f"{path}: secret {ref} cannot be used: {exc.message}"


def spec_or_error(ctx: AppContext, connector: Connector) -> SessionSpec | AwsconnError:
    """The connector's session spec, or the awsconn error that keeps its secrets from use
    (to raise where one connector is asked for, or to report as :func:`failure_of`)."""
    try:
        return session_spec(ctx, connector)
    except AwsconnError as exc:
        return exc


def failure_of(error: AwsconnError) -> AwsFailure:
    """What a connection test reports for secrets that cannot be used.

    A secret deleted with force (or sealed under a key no longer loaded, or holding a
    line break) breaks this one connector: its test fails with the code of
    :func:`session_spec` naming the setting, and a run over many connectors goes on. A
    key problem keeps the code every other command gives it.
    """
    if isinstance(error, AwsCallFailed):
        return error.failure
    key_problem = isinstance(error, MasterKeyMismatch | MasterKeyMissing | StoreCorrupt)
    return AwsFailure(
        error.code if key_problem else "NO_CREDENTIALS",
        f"the connector's secrets cannot be used: {error.message}",
        error.hint or "",
    )
