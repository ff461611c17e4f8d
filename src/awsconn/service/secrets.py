"""Secret use cases: values go in, never come out (only the session builder reveals them).

Writes ask the caller for ``secret:edit`` on the secret's scope, reads (metadata only)
for ``secret:view``; the store-wide key operations for ``secret:edit`` on the account.
"""

from __future__ import annotations

from typing import Any

from awsconn.errors import InvalidInput, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, scope_of_settings
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.model.results import SecretMetadata
from awsconn.service.access import Permission
from awsconn.service.context import AppContext
from awsconn.service.refusals import SecretInUse

__all__ = [
    "MAX_SECRET_BYTES",
    "create",
    "delete",
    "list_secrets",
    "metadata_of",
    "reencrypt",
    "rotate_master_key",
    "update",
    "users_of",
]

MAX_SECRET_BYTES = 64 * 1024


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
    """Store a new secret, encrypted (Conflict if it exists)."""
    _check(ref, value)
    ctx.caller.require(Permission.SECRET_EDIT, ref.scope)
    return metadata_of(
        ctx.secrets.create(
            org=ref.scope.org,
            project=ref.scope.project,
            identifier=ref.identifier,
            value=value,
            description=description or None,
        )
    )


def update(
    ctx: AppContext, ref: EntityRef, value: bytes, *, description: str | None = None
) -> SecretMetadata:
    """Replace a secret's value (and its description, unless None)."""
    _check(ref, value)
    ctx.caller.require(Permission.SECRET_EDIT, ref.scope)
    from awsconn.store.repositories import KEEP

    return metadata_of(
        ctx.secrets.update(
            org=ref.scope.org,
            project=ref.scope.project,
            identifier=ref.identifier,
            value=value,
            description=KEEP if description is None else description,
        )
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
    _check(ref, None)
    ctx.caller.require(Permission.SECRET_EDIT, ref.scope)
    org, project, identifier = ref.scope.org, ref.scope.project, ref.identifier

    def work(tx: Any) -> None:
        users = [
            _ref_of(u) for u in tx.secrets.users(org=org, project=project, identifier=identifier)
        ]
        if users and not force:
            raise SecretInUse(str(ref), users)
        ctx.secrets.delete(
            org=org, project=project, identifier=identifier, detach_users=force, tx=tx
        )

    ctx.db.run(work)


def rotate_master_key(ctx: AppContext) -> tuple[str, int]:
    """Add a new master key to the key file and re-seal every secret under it.

    Returns (new key id, secrets re-sealed). With ``AWSCONN_MASTER_KEY`` the keys are
    the operator's to manage: refused with the steps to follow instead. A missing key
    file is made only for a store without secrets (``MASTER_KEY_MISSING`` otherwise).
    """
    ctx.caller.require(Permission.SECRET_EDIT, Scope())
    if ctx.master_keys.from_environment:
        raise InvalidInput(
            "the master keys come from AWSCONN_MASTER_KEY, which awsconn does not write",
            hint="put a new 'kid:BASE64' entry (32 random bytes) first in AWSCONN_MASTER_KEY, "
            "keep the old ones after it, then run 'awsconn secret reencrypt'",
        )
    ctx.secrets.keyring_to_seal()  # the key file exists (or is made for an empty store)
    ctx.secrets.check_keys()  # a key that cannot open them all is reported before any write
    kid = ctx.master_keys.add_key()
    ctx.reload_keys()
    return kid, reencrypt(ctx)


def reencrypt(ctx: AppContext) -> int:
    """Re-seal every secret under the newest master key (after adding one); returns the count."""
    ctx.caller.require(Permission.SECRET_EDIT, Scope())
    return ctx.secrets.reencrypt()


def list_secrets(
    ctx: AppContext, *, org: str | None = None, project: str | None = None, all_scopes: bool = False
) -> list[SecretMetadata]:
    """Secrets' metadata (``secret:view``): of one scope (account when neither ``org``
    nor ``project``), or with ``all_scopes`` of every scope the caller may see."""
    scope = scope_of_settings(org, project)
    ctx.caller.require(Permission.SECRET_VIEW, ctx.caller.scope if all_scopes else scope)
    found = ctx.secrets.list(org=org, project=project, all_scopes=all_scopes)
    return [metadata_of(m) for m in found if ctx.caller.visible(Scope(m.org, m.project))]


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
