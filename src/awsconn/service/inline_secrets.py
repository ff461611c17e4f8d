"""Saving a connector together with a secret typed where it is named (the create/edit
wizard's **Secret Key** "type a value").

Everything is checked before anything is written: the connector's document (the rules
of every other write, ``connectors.parse_and_check``) and the new secret (the rules of
``secret create``: an identifier, a non-empty value of at most 64 KiB, not there yet).
Then the secret is created and the connector saved; a connector that cannot be saved
after all (created meanwhile by someone else, its version changed) takes its new secret
with it, so a failed save leaves nothing behind. The value goes from the request to the
secret store and nowhere else: no problem, result or audit event holds it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Literal

from awsconn.errors import AwsconnError, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.model.results import ConnectorDetail
from awsconn.service import connector_writes, secrets
from awsconn.service.access import Permission
from awsconn.service.connector_documents import parse_and_check, scope_of_document
from awsconn.service.context import AppContext
from awsconn.service.secrets import _check as check_secret_input

__all__ = [
    "SECRET_KEY_PATH",
    "NewSecret",
    "connector_problems",
    "inline_secret_name",
    "new_secret_problems",
    "save_connector",
]

SECRET_KEY_PATH = "spec.credential.spec.secretKeyRef"
"""Where the connector names its secret key: the new secret's reference goes there."""


def inline_secret_name(identifier: str) -> str:
    """The name a Secret Key typed in the wizard gets unless renamed: ``<ID>_secret_key``."""
    return f"{identifier}_secret_key"


@dataclass(frozen=True)
class NewSecret:
    """A secret to create in the connector's scope; the value is kept out of ``repr``."""

    ref: EntityRef
    value: bytes = field(repr=False)


def new_secret_problems(ctx: AppContext, new: NewSecret) -> list[Problem]:
    """What is wrong with creating ``new`` (``identifier``, ``value``), checked as ``secret
    create`` checks it; one that exists already is refused (a value typed here never
    replaces another's)."""
    try:
        check_secret_input(new.ref, new.value)
    except ValidationFailed as exc:
        return list(exc.problems)
    scope = new.ref.scope
    if ctx.secrets.exists(org=scope.org, project=scope.project, identifier=new.ref.identifier):
        return [
            Problem(
                "identifier",
                f"a secret named {new.ref.identifier!r} exists already in {scope.label()}",
                given=new.ref.identifier,
                allowed="a new name, or pick the existing secret instead",
            )
        ]
    return []


def connector_problems(
    ctx: AppContext, document: Any, new_secret: NewSecret | None = None
) -> list[Problem]:
    """Every problem of saving ``document`` (with ``new_secret`` named as its secret key),
    as the API's write reports them; needs ``connector:edit`` (and ``secret:edit`` for a
    new secret) in the document's scope before any secret is looked up."""
    scope = scope_of_document(document)
    if scope is not None:
        ctx.caller.require(Permission.CONNECTOR_EDIT, scope)
        if new_secret is not None:
            ctx.caller.require(Permission.SECRET_EDIT, new_secret.ref.scope)
    try:
        parse_and_check(ctx, [document])
        problems: list[Problem] = []
    except ValidationFailed as exc:
        problems = list(exc.problems)
    if new_secret is not None:  # not created yet: its own checks instead of "not found"
        problems = [p for p in problems if p.path != SECRET_KEY_PATH]
        problems += [
            Problem(f"newSecret.{p.path}", p.message, p.given, p.allowed)
            for p in new_secret_problems(ctx, new_secret)
        ]
    return problems


def save_connector(
    ctx: AppContext,
    document: Any,
    *,
    mode: Literal["create", "update"],
    expected_version: int | None = None,
    new_secret: NewSecret | None = None,
) -> tuple[ConnectorDetail, int]:
    """Save one connector (``connector_writes.save_document``), creating ``new_secret``
    first; ValidationFailed with every problem (``newSecret.identifier``,
    ``newSecret.value`` for the secret) before anything is written."""
    if problems := connector_problems(ctx, document, new_secret):
        raise ValidationFailed(problems, what="connector")
    if new_secret is None:
        return connector_writes.save_document(
            ctx, document, mode=mode, expected_version=expected_version
        )
    secrets.create(ctx, new_secret.ref, new_secret.value, description=_description(document))
    try:
        return connector_writes.save_document(
            ctx, document, mode=mode, expected_version=expected_version
        )
    except BaseException:
        with contextlib.suppress(AwsconnError):
            secrets.delete(ctx, new_secret.ref)
        raise


def _description(document: Any) -> str:
    try:
        identifier = str(document["connector"]["identifier"])
    except (TypeError, KeyError):
        return "Secret Key"
    return f"Secret Key of connector {identifier}"


def secret_scope(document: Any) -> Scope | None:
    """The scope a connector document names (None when it names none validly)."""
    return scope_of_document(document)
