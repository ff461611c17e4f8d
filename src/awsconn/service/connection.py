"""Handing a connector's credentials to other tools: ``credentials`` and ``exec``.

The AWS CLI runs ``awsconn credentials`` before every call of a ``credential_process``
profile, so this module and what it imports stay light: no pydantic, and no AWS SDK
for stored keys without a role (nothing to ask AWS). Errors that escape AWS calls leave
through :func:`secrets_kept_out`, without the connector's secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from awsconn.aws.redaction import Redactor
from awsconn.errors import AwsconnError, InternalError
from awsconn.model import EntityRef
from awsconn.model.clock import iso_z
from awsconn.service.access import LOCAL_OWNER
from awsconn.service.context import AppContext
from awsconn.service.dispatch import Dispatched, dispatch
from awsconn.timeouts import CREDENTIALS_TIMEOUT

if TYPE_CHECKING:
    from awsconn.aws.session_spec import SessionSpec
    from awsconn.model import Connector

__all__ = [
    "credential_feed",
    "credential_process_output",
    "credentials_of_spec",
    "exec_environment",
    "secrets_kept_out",
    "served_environment",
]


@contextmanager
def secrets_kept_out(specs: Sequence[SessionSpec]) -> Iterator[Redactor]:
    """Whatever escapes the AWS calls of ``specs`` leaves without their secrets.

    awsconn errors are cleaned in place; anything else is a bug and becomes InternalError
    with a cleaned message (an entry point would otherwise show the exception's text).
    """
    redactor = Redactor(secret for spec in specs for secret in spec.secrets())
    try:
        yield redactor
    except AwsconnError as exc:
        redactor.error(exc)
        raise
    except Exception as exc:
        raise InternalError(
            f"unexpected {type(exc).__name__}: {redactor.text(str(exc))}",
            hint="This is a bug in awsconn; please report it with the command that failed.",
        ) from exc


def credential_process_output(
    ctx: AppContext,
    ref: EntityRef,
    *,
    here: bool = False,
    timeout_s: float = CREDENTIALS_TIMEOUT.default,
    cache: bool = True,
) -> dict[str, Any]:
    """AWS CLI ``credential_process`` JSON (Version 1) for this connector's credentials.

    Temporary credentials are kept between runs of the CLI (``service/credential_cache``)
    unless ``cache`` is False; the permission, the connector and its secrets are still
    read and checked on every call, so a cached answer is never given for a connector the
    caller may no longer use, or one that changed or is gone.

    Needs ``connector:access``. Keys are given only for a connector that passes the
    offline checks (region and role partition, secrets present and usable, key id
    format, a token for ASIA keys); otherwise AwsCallFailed with the taxonomy code and
    hint. A plain dict (no pydantic on this road); ``model.results.AwsCredentials``
    reads it as it is. Audited as ``connector.credentials`` unless the caller is the
    local store's owner.
    """
    timeout_s = ctx.budget(CREDENTIALS_TIMEOUT.check(timeout_s))
    with _issued(ctx, ref) as note_version:
        dispatched = dispatch(ctx, ref, "credentials", here=here)
        note_version(dispatched.version)
        if dispatched.where.via_task:  # a server: a delegate gets them
            return _from_delegate(ctx, ref, timeout_s)
        return _kept_or_fetched(ctx, dispatched, timeout_s, cache=cache)


EXEC_MIN_LEFT_S = 30 * 60
"""``exec`` puts keys in the command's environment, where nothing renews them: it reuses
cached credentials only while at least this much is left of them."""


def _kept_or_fetched(
    ctx: AppContext,
    dispatched: Dispatched,
    timeout_s: float,
    *,
    cache: bool,
    min_left_s: float | None = None,
) -> dict[str, Any]:
    """The cached credentials of the dispatched connector when fresh, else fetched (and
    kept when they expire); ``cache`` False fetches without reading the cache and
    replaces its entry. Only the CLI caches: a server is one long process with many
    callers, and its callers' processes keep nothing of its answers."""
    spec = dispatched.checked_spec()
    if ctx.runs_as != "cli" or (spec.static_keys and not _assumes_role(spec)):
        return _credentials_of(ctx, spec, timeout_s, fresh=not cache)
    from awsconn.service.credential_cache import cache_of, digest_of

    kept = cache_of(ctx)
    ref, digest = dispatched.connector.ref, digest_of(ctx, spec)
    found = None
    if cache:
        margin = {} if min_left_s is None else {"min_left_s": min_left_s}
        found = kept.get(ref, dispatched.version, digest, ctx.clock(), **margin)
    if found is not None:
        return found
    fresh = _credentials_of(ctx, spec, timeout_s, fresh=not cache)
    try:
        kept.put(ref, dispatched.version, digest, fresh)
    except OSError as exc:
        ctx.warn(f"credentials not cached: cannot write {kept.folder}: {exc.strerror or exc}")
    return fresh


def _assumes_role(spec: SessionSpec) -> bool:
    return spec.role_arn is not None


def _from_delegate(ctx: AppContext, ref: EntityRef, timeout_s: float) -> dict[str, Any]:
    """The credentials as a task for a connected delegate, waited for (a server's road)."""
    from awsconn.service.task_delegation import result_of_task, run_as_task

    params = {"timeoutSeconds": max(timeout_s, CREDENTIALS_TIMEOUT.minimum)}
    result = result_of_task(run_as_task(ctx, "credentials", ref, params, timeout_s=timeout_s))
    return result.wire()


def credentials_of_spec(ctx: AppContext, spec: SessionSpec, timeout_s: float) -> dict[str, Any]:
    """The credentials of a session spec already checked (a delegate running a task)."""
    return _credentials_of(ctx, spec, timeout_s)


@contextmanager
def _issued(ctx: AppContext, ref: EntityRef) -> Iterator[Callable[[int | None], None]]:
    """Audit credentials issued (``connector.credentials``, with the connector version)
    to anyone but the local store's owner: the CLI on its own store keeps its light road
    (no pydantic, no SQLAlchemy for stored keys). Yields a setter for the version."""
    if ctx.caller == LOCAL_OWNER:
        yield lambda _version: None
        return
    from awsconn.service.audit import AuditTarget, audited

    with audited(ctx, "connector.credentials", AuditTarget.of("connector", ref)) as event:

        def note(version: int | None) -> None:
            event.version = version

        yield note


def _credentials_of(
    ctx: AppContext, spec: SessionSpec, timeout_s: float, *, fresh: bool = False
) -> dict[str, Any]:
    keys = spec.static_keys
    if keys is not None and spec.role_arn is None:
        # Stored keys and no role to assume: nothing to ask AWS, so no SDK to load.
        plain: dict[str, Any] = {
            "Version": 1,
            "AccessKeyId": keys.access_key_id,
            "SecretAccessKey": keys.secret_access_key,
        }
        if keys.session_token:
            plain["SessionToken"] = keys.session_token
        return plain
    with secrets_kept_out([spec]):
        key, secret, token, expiration = ctx.sessions.frozen_credentials(
            spec, timeout_s=timeout_s, fresh=fresh
        )
    out: dict[str, Any] = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
    if token:
        out["SessionToken"] = token
    if expiration is not None:
        out["Expiration"] = iso_z(expiration)
    return out


_AMBIENT_AWS_SETTINGS = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
}


def exec_environment(
    ctx: AppContext,
    ref: EntityRef,
    base: dict[str, str],
    *,
    here: bool = False,
    timeout_s: float = CREDENTIALS_TIMEOUT.default,
    cache: bool = True,
) -> dict[str, str]:
    """``base`` with the connector's credentials and region, ambient AWS settings removed
    (``connector:access``, the checks and the cache of :func:`credential_process_output`,
    cached credentials only with :data:`EXEC_MIN_LEFT_S` left)."""
    timeout_s = ctx.budget(CREDENTIALS_TIMEOUT.check(timeout_s))
    with _issued(ctx, ref) as note_version:
        dispatched = dispatch(ctx, ref, "credentials", here=here)
        note_version(dispatched.version)
        if dispatched.where.via_task:  # a server: a delegate gets them
            creds = _from_delegate(ctx, ref, timeout_s)
        else:
            creds = _kept_or_fetched(
                ctx, dispatched, timeout_s, cache=cache, min_left_s=EXEC_MIN_LEFT_S
            )
    return _with_credentials(base, creds, dispatched.connector)


def _with_credentials(base: dict[str, str], creds: dict[str, Any], c: Connector) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in _AMBIENT_AWS_SETTINGS}
    env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
    env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
    if "SessionToken" in creds:
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    env["AWS_REGION"] = c.region
    env["AWS_DEFAULT_REGION"] = c.region
    return env


def credential_feed(
    ctx: AppContext,
    ref: EntityRef,
    *,
    here: bool = False,
    timeout_s: float = CREDENTIALS_TIMEOUT.default,
) -> tuple[Callable[[], dict[str, Any]], str]:
    """What ``exec --server`` serves: a function fetching fresh credentials (each call a
    whole :func:`credential_process_output` without the cache: the permission, the
    connector and its secrets checked again, so a revoked access or a deleted connector
    stops the feed) and the connector's region. Checked once here before anything runs."""
    timeout_s = CREDENTIALS_TIMEOUT.check(timeout_s)
    dispatched = dispatch(ctx, ref, "credentials", here=here)
    dispatched.checked_spec()

    def fetch() -> dict[str, Any]:
        return credential_process_output(ctx, ref, here=here, timeout_s=timeout_s, cache=False)

    return fetch, dispatched.connector.region


_STATIC_KEY_SETTINGS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def served_environment(base: dict[str, str], served: dict[str, str], region: str) -> dict[str, str]:
    """``base`` for a child of ``exec --server``: ambient AWS credentials removed (they
    would win over the server in every SDK's chain), the server's two settings and the
    connector's region added."""
    drop = _AMBIENT_AWS_SETTINGS | _STATIC_KEY_SETTINGS
    env = {k: v for k, v in base.items() if k not in drop and not k.startswith("AWS_CONTAINER_")}
    env.update(served)
    env["AWS_REGION"] = region
    env["AWS_DEFAULT_REGION"] = region
    return env
