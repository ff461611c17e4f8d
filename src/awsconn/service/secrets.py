"""Secret use cases: values go in, never come out (only the session builder reveals them).

Writes ask the caller for ``secret:edit`` on the secret's scope, reads (metadata only)
for ``secret:view``; the store-wide key operations for ``secret:edit`` on the account.
Writes are audited (``secret.create``, ``secret.update``, ``secret.delete``,
``secret.rotate-key``, ``secret.reencrypt``): the version and key id, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsconn.errors import InvalidInput, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, scope_of_settings
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.model.results import SecretMetadata
from awsconn.service.access import Permission
from awsconn.service.audit import AuditDetail, AuditTarget, audited
from awsconn.service.context import AppContext
from awsconn.service.refusals import SecretInUse

__all__ = [
    "MAX_SECRET_BYTES",
    "Resealed",
    "create",
    "delete",
    "get",
    "list_page",
    "list_secrets",
    "metadata_of",
    "reencrypt",
    "rotate_master_key",
    "update",
    "users_of",
]

MAX_SECRET_BYTES = 64 * 1024
_MASTER_KEY = AuditTarget("master-key", "master keys")


def _check(ref: EntityRef, value: bytes | None) -> None:
    problems: list[Problem] = []
    for path, text in (
        ("identifier", ref.identifier),
        ("org", ref.scope.org),
        ("project", ref.scope.project),
    ):
        if text is not None and (why := identifier_problem(text)):
            problems.append(Problem(path, why, given=text, allowed=IDENTIFIER_RULE))
    if value is not None:
        if not value.strip():
            problems.append(Problem("value", "is empty", allowed="a non-empty value"))
        elif len(value) > MAX_SECRET_BYTES:
            # The reader stops just past the limit: the size itself is not known here.
            problems.append(
                Problem(
                    "value",
                    f"is larger than {MAX_SECRET_BYTES} bytes",
                    allowed=f"at most {MAX_SECRET_BYTES} bytes",
                )
            )
    if problems:
        raise ValidationFailed(problems, what="secret")


def create(
    ctx: AppContext, ref: EntityRef, value: bytes, *, description: str = ""
) -> SecretMetadata:
    """Store a new secret, encrypted (Conflict if it exists); audited as ``secret.create``."""
    with audited(ctx, "secret.create", _target(ref)) as event:
        _check(ref, value)
        ctx.caller.require(Permission.SECRET_EDIT, ref.scope)

        def work(tx: Any) -> Any:
            meta = ctx.secrets.create(
                org=ref.scope.org,
                project=ref.scope.project,
                identifier=ref.identifier,
                value=value,
                description=description or None,
                tx=tx,
            )
            event.version = meta.version
            event.detail = AuditDetail(key_id=meta.key_id)
            event.write(tx)  # recorded with the write, or not at all
            return meta

        meta = ctx.db.run(work)
    return metadata_of(meta)


def update(
    ctx: AppContext, ref: EntityRef, value: bytes, *, description: str | None = None
) -> SecretMetadata:
    """Replace a secret's value (and its description, unless None); audited as
    ``secret.update``."""
    from awsconn.store.repositories import KEEP

    with audited(ctx, "secret.update", _target(ref)) as event:
        _check(ref, value)
        ctx.caller.require(Permission.SECRET_EDIT, ref.scope)

        def work(tx: Any) -> Any:
            meta = ctx.secrets.update(
                org=ref.scope.org,
                project=ref.scope.project,
                identifier=ref.identifier,
                value=value,
                description=KEEP if description is None else description,
                tx=tx,
            )
            event.version = meta.version
            event.detail = AuditDetail(key_id=meta.key_id)
            event.write(tx)  # recorded with the write, or not at all
            return meta

        meta = ctx.db.run(work)
    return metadata_of(meta)


def get(ctx: AppContext, ref: EntityRef) -> SecretMetadata:
    """One secret's metadata (``secret:view``); NotFound naming it and its scope."""
    _check(ref, None)
    ctx.caller.require(Permission.SECRET_VIEW, ref.scope)
    return metadata_of(
        ctx.secrets.get(org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier)
    )


def _ref_of(key: tuple[str | None, str | None, str]) -> str:
    org, project, identifier = key
    return str(EntityRef(Scope(org, project), identifier))


def users_of(ctx: AppContext, ref: EntityRef) -> list[str]:
    """Connectors whose settings name this secret (so deleting it would break them)."""
    ctx.caller.require(Permission.SECRET_VIEW, ref.scope)
    with ctx.db.transaction(write=False) as tx:
        users = tx.secrets.users(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
    return [_ref_of(u) for u in users]


def delete(ctx: AppContext, ref: EntityRef, *, force: bool = False) -> None:
    """Delete a secret; refused (SecretInUse) while a connector uses it, unless ``force``.

    The check and the delete are one transaction that locks the secret first, and the
    links are foreign keys: a connector written at the same moment either makes the
    delete refuse, or fails itself because the secret is gone.
    """
    with audited(ctx, "secret.delete", _target(ref)) as event:
        _check(ref, None)
        ctx.caller.require(Permission.SECRET_EDIT, ref.scope)
        org, project, identifier = ref.scope.org, ref.scope.project, ref.identifier
        event.detail = AuditDetail(force=force)

        def work(tx: Any) -> None:
            users = [
                _ref_of(u)
                for u in tx.secrets.users(org=org, project=project, identifier=identifier)
            ]
            if users and not force:
                raise SecretInUse(str(ref), users)
            found = tx.secrets.find(org=org, project=project, identifier=identifier)
            event.version = found.version if found is not None else None
            ctx.secrets.delete(
                org=org, project=project, identifier=identifier, detach_users=force, tx=tx
            )
            event.write(tx)

        ctx.db.run(work)


def _target(ref: EntityRef) -> AuditTarget:
    return AuditTarget.of("secret", ref)


@dataclass(frozen=True)
class Resealed:
    """What a re-seal under the newest master key touched: secrets, and the OIDC
    issuer's signing keys (sealed under the same master keys)."""

    secrets: int
    signing_keys: int = 0

    def describe(self) -> str:
        text = f"{self.secrets} secret{'s' * (self.secrets != 1)}"
        if self.signing_keys:
            keys = self.signing_keys
            text += f" and {keys} OIDC signing key{'s' * (keys != 1)}"
        return text


def _reseal_all(ctx: AppContext) -> Resealed:
    from awsconn.service import oidc_issuer

    count = ctx.secrets.reencrypt()
    return Resealed(secrets=count, signing_keys=oidc_issuer.reseal_signing_keys(ctx))


def rotate_master_key(ctx: AppContext) -> tuple[str, Resealed]:
    """Add a new master key to the key file and re-seal every secret (and the OIDC
    issuer's signing keys) under it.

    Returns (new key id, what was re-sealed). With ``AWSCONN_MASTER_KEY`` the keys are
    the operator's to manage: refused with the steps to follow instead. A missing key
    file is made only for a store without secrets (``MASTER_KEY_MISSING`` otherwise).
    """
    from awsconn.service import oidc_issuer

    with audited(ctx, "secret.rotate-key", _MASTER_KEY) as event:
        ctx.caller.require(Permission.SECRET_EDIT, Scope())
        if ctx.master_keys.from_environment:
            raise InvalidInput(
                "the master keys come from AWSCONN_MASTER_KEY, which awsconn does not write",
                hint="put a new 'kid:BASE64' entry (32 random bytes) first in "
                "AWSCONN_MASTER_KEY, keep the old ones after it, then run "
                "'awsconn secret reencrypt'",
            )
        ctx.secrets.keyring_to_seal()  # the key file exists (or is made for an empty store)
        ctx.secrets.check_keys()  # a key that cannot open them all is reported before writes
        oidc_issuer.reseal_signing_keys(ctx, write=False)  # the signing keys too
        kid = ctx.master_keys.add_key()
        ctx.reload_keys()
        done = _reseal_all(ctx)
        event.detail = AuditDetail(key_id=kid, count=done.secrets, signing_keys=done.signing_keys)
    return kid, done


def reencrypt(ctx: AppContext) -> Resealed:
    """Re-seal every secret and OIDC signing key under the newest master key (after
    adding one); what was re-sealed. Audited as ``secret.reencrypt``."""
    with audited(ctx, "secret.reencrypt", _MASTER_KEY) as event:
        ctx.caller.require(Permission.SECRET_EDIT, Scope())
        done = _reseal_all(ctx)
        event.detail = AuditDetail(count=done.secrets, signing_keys=done.signing_keys)
    return done


def list_secrets(
    ctx: AppContext, *, org: str | None = None, project: str | None = None, all_scopes: bool = False
) -> list[SecretMetadata]:
    """Secrets' metadata (``secret:view``): of one scope (account when neither ``org``
    nor ``project``), or with ``all_scopes`` of every scope the caller may see."""
    scope = scope_of_settings(org, project)
    ctx.caller.require(Permission.SECRET_VIEW, ctx.caller.scope if all_scopes else scope)
    found = ctx.secrets.list(org=org, project=project, all_scopes=all_scopes)
    return [metadata_of(m) for m in found if ctx.caller.visible(Scope(m.org, m.project))]


def list_page(
    ctx: AppContext,
    scope: Scope,
    *,
    page_index: int = 0,
    page_size: int = 50,
    search_term: str | None = None,
    below: bool = False,
) -> tuple[list[SecretMetadata], int]:
    """Page ``page_index`` of ``scope``'s secrets (metadata, by identifier) whose
    identifier or description contains ``search_term`` (any case), and how many match in
    all (``secret:view`` in ``scope``); with ``below``, of ``scope`` and every scope inside
    it the caller may see, by scope then identifier."""
    from awsconn.service.pages import page_problems, slice_page

    if problems := page_problems(page_index, page_size):
        raise ValidationFailed(problems, what="secret listing")
    if below:
        ctx.caller.require(Permission.SECRET_VIEW, scope)
        found = [
            m
            for m in list_secrets(ctx, all_scopes=True)
            if scope in Scope(m.org, m.project).chain()
        ]
    else:
        found = list_secrets(ctx, org=scope.org, project=scope.project)
    if search_term:
        term = search_term.lower()
        found = [m for m in found if term in m.identifier.lower() or term in m.description.lower()]
    return slice_page(found, page_index, page_size), len(found)


def metadata_of(meta: Any) -> SecretMetadata:
    """A stored secret's metadata as the result model (the one conversion)."""
    return SecretMetadata(
        ref=str(EntityRef(Scope(meta.org, meta.project), meta.identifier)),
        identifier=meta.identifier,
        org=meta.org,
        project=meta.project,
        description=meta.description or "",
        version=meta.version,
        key_id=meta.key_id,
        created_at=meta.created_at,
        updated_at=meta.updated_at,
    )
