"""Harness's v2 secrets endpoints: a text secret's value goes in, only metadata comes out.

The request's Harness shape is read into what awsconn stores (:func:`_secret_of`): a
``SecretText`` secret, ``valueType: Inline``, in awsconn's one store (either secret
manager name), its scope in the body (a contradicting query parameter is bad input).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from awsconn.api.calls import AllScopes, ScopedCall, listed_scope
from awsconn.api.connector_requests import check_query_scope
from awsconn.api.handlers import handles
from awsconn.api.harness_secrets import SECRET_MANAGERS, SecretRequestWrapper, SecretTextSpec
from awsconn.api.wire import page, secret_response
from awsconn.errors import Problem, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.service import secrets


def _secret_of(
    body: SecretRequestWrapper, request: Request, *, identifier: str | None = None
) -> tuple[EntityRef, bytes, str | None]:
    """(the secret's reference, its value, its description) from a request, or every
    problem at its path in the body."""
    secret = body.secret
    document = {
        "connector": {
            "orgIdentifier": secret.org_identifier,
            "projectIdentifier": secret.project_identifier,
        }
    }
    problems: list[Problem] = []
    try:
        check_query_scope(document, request.query_params)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
    if identifier is not None and secret.identifier != identifier:
        problems.append(
            Problem(
                "secret.identifier",
                "differs from the path's",
                given=secret.identifier,
                allowed=repr(identifier),
            )
        )
    if secret.type != "SecretText":
        problems.append(
            Problem(
                "secret.type", "is not stored by awsconn", given=secret.type, allowed="SecretText"
            )
        )
    if secret.tags:
        problems.append(Problem("secret.tags", "awsconn keeps no tags on secrets", allowed="{}"))
    spec = secret.spec
    value = spec.value if isinstance(spec, SecretTextSpec) else None
    if isinstance(spec, SecretTextSpec):
        if spec.value_type not in (None, "Inline"):
            problems.append(
                Problem(
                    "secret.spec.valueType",
                    "is not stored by awsconn",
                    given=spec.value_type,
                    allowed="Inline",
                )
            )
        manager = spec.secret_manager_identifier
        if manager is not None and manager not in SECRET_MANAGERS:
            problems.append(
                Problem(
                    "secret.spec.secretManagerIdentifier",
                    "is not awsconn's store",
                    given=manager,
                    allowed=" or ".join(SECRET_MANAGERS),
                )
            )
    if not value:
        problems.append(Problem("secret.spec.value", "is required", allowed="the secret's value"))
    if problems:
        raise ValidationFailed(problems, what="secret")
    assert value is not None
    ref = EntityRef(
        Scope(secret.org_identifier or None, secret.project_identifier or None), secret.identifier
    )
    return ref, value.encode("utf-8"), secret.description


@handles("postSecret")
def post_secret(body: SecretRequestWrapper, request: Request, call: ScopedCall) -> Response:
    ref, value, description = _secret_of(body, request)
    meta = secrets.create(call.ctx, ref, value, description=description or "")
    return call.ok(secret_response(meta))


@handles("putSecret")
def put_secret(
    identifier: str, body: SecretRequestWrapper, request: Request, call: ScopedCall
) -> Response:
    ref, value, description = _secret_of(body, request, identifier=identifier)
    meta = secrets.update(call.ctx, ref, value, description=description)
    return call.ok(secret_response(meta))


@handles("getSecretV2")
def get_secret(identifier: str, call: ScopedCall) -> Response:
    return call.ok(secret_response(secrets.get(call.ctx, call.ref(identifier))))


@handles("listSecretsV2")
def list_secrets(
    call: ScopedCall,
    page_index: Annotated[int, Query(alias="pageIndex", description="the page, from 0")] = 0,
    page_size: Annotated[int, Query(alias="pageSize", description="1 to 1000")] = 50,
    search_term: Annotated[
        str | None, Query(alias="searchTerm", description="identifier or description contains")
    ] = None,
    all_scopes: AllScopes = False,
) -> Response:
    found, total = secrets.list_page(
        call.ctx,
        listed_scope(call, all_scopes),
        page_index=page_index,
        page_size=page_size,
        search_term=search_term,
        below=all_scopes,
    )
    content = [secret_response(m) for m in found]
    return call.ok(page(content, page_index=page_index, page_size=page_size, total_items=total))


@handles("deleteSecretV2")
def delete_secret(
    identifier: str,
    call: ScopedCall,
    force_delete: Annotated[
        bool, Query(alias="forceDelete", description="detach the connectors that use it first")
    ] = False,
) -> Response:
    secrets.delete(call.ctx, call.ref(identifier), force=force_delete)
    return call.ok(True)


__all__: list[str] = []
