"""Secret use cases: values go in, never come out (only the session builder reveals them)."""

from __future__ import annotations

from typing import Any

from awsconn.errors import Conflict, InvalidInput, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.service.context import AppContext

__all__ = [
    "MAX_SECRET_BYTES",
    "create",
    "delete",
    "list_secrets",
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
            problems.append(
                Problem("value", "is empty", allowed="a non-empty value on stdin or --value-file")
            )
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
) -> dict[str, Any]:
    _check(ref, value)
    return _meta(
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
) -> dict[str, Any]:
    _check(ref, value)
    from awsconn.store.repositories import KEEP

    return _meta(
        ctx.secrets.update(
            org=ref.scope.org,
            project=ref.scope.project,
            identifier=ref.identifier,
            value=value,
            description=KEEP if description is None else description,
        )
    )


def users_of(ctx: AppContext, ref: EntityRef) -> list[str]:
    """Connectors whose settings name this secret (so deleting it would break them)."""
    from awsconn.service.connectors import list_connectors

    users = []
    for view in list_connectors(ctx):
        c = view.connector
        if any(r.resolve(c.scope) == ref for r in c.secret_refs().values()):
            users.append(str(c.ref))
    return users


def delete(ctx: AppContext, ref: EntityRef, *, force: bool = False) -> None:
    """Delete a secret; refused while a connector uses it, unless ``force``."""
    _check(ref, None)
    if not force and (users := users_of(ctx, ref)):
        raise Conflict(
            f"secret {ref} is used by connector{'s' * (len(users) > 1)} {', '.join(users)}",
            hint="change or delete those connectors first, or pass --force",
        )
    ctx.secrets.delete(org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier)


def rotate_master_key(ctx: AppContext) -> tuple[str, int]:
    """Add a new master key to the key file and re-seal every secret under it.

    Returns (new key id, secrets re-sealed). With ``AWSCONN_MASTER_KEY`` the keys are
    the operator's to manage: refused with the steps to follow instead.
    """
    from awsconn.secrets.crypto import KEY_FILE_NAME, MASTER_KEY_ENV, add_key_to_file

    if ctx.environ.get(MASTER_KEY_ENV, "").strip():
        raise InvalidInput(
            f"the master keys come from {MASTER_KEY_ENV}, which awsconn does not write",
            hint=f"put a new 'kid:BASE64' entry (32 random bytes) first in {MASTER_KEY_ENV}, "
            "keep the old ones after it, then run 'awsconn secret reencrypt'",
        )
    ctx.keyring  # noqa: B018 - opens (or creates) the key file before rewriting it
    kid = add_key_to_file(ctx.home / KEY_FILE_NAME)
    ctx.reload_keys()
    return kid, reencrypt(ctx)


def reencrypt(ctx: AppContext) -> int:
    """Re-seal every secret under the newest master key (after adding one); returns the count."""
    return ctx.secrets.reencrypt()


def list_secrets(
    ctx: AppContext, *, org: str | None, project: str | None, all_scopes: bool
) -> list[dict[str, Any]]:
    if project is not None and org is None:
        raise InvalidInput("--project needs --org")
    return [_meta(m) for m in ctx.secrets.list(org=org, project=project, all_scopes=all_scopes)]


def _meta(meta: Any) -> dict[str, Any]:
    """Metadata only: there is no field for the value, by construction."""
    return {
        "ref": str(EntityRef(Scope(meta.org, meta.project), meta.identifier)),
        "identifier": meta.identifier,
        "org": meta.org,
        "project": meta.project,
        "description": meta.description or "",
        "version": meta.version,
        "keyId": meta.key_id,
        "createdAt": meta.created_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": meta.updated_at.isoformat().replace("+00:00", "Z"),
    }
