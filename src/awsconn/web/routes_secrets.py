"""The Secrets page: a scope's secrets (metadata only), create one, replace a value,
delete one (refused while a connector names it, saying which).

Values go from the form to ``service.secrets`` and nowhere else: no page holds a value,
and a form sent back with a problem never carries the value it was given.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from awsconn.errors import AwsconnError, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.service import secrets
from awsconn.service.access import Permission
from awsconn.service.refusals import SecretInUse
from awsconn.web.pages import Links, render
from awsconn.web.scoping import entity_ref, page_scope
from awsconn.web.session import Ui, UiCall, form_of, problem_error

router = APIRouter()

PAGE_SIZE = 50


def _field_errors(err: ValidationFailed) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in err.problems:
        name = "value" if p.path == "value" else "identifier"
        out.setdefault(name, []).append(
            p.message + (f" (allowed: {p.allowed})" if p.allowed else "")
        )
    return out


def _list(
    request: Request,
    ui: UiCall,
    scope: Scope,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    failure: dict[str, object] | None = None,
    given: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    search = request.query_params.get("q", "").strip()
    items, total = secrets.list_page(ui.ctx, scope, page_size=PAGE_SIZE, search_term=search or None)
    return render(
        request,
        "secrets.html",
        status=status,
        ui=ui,
        section="secrets",
        scope=scope,
        items=items,
        total=total,
        search=search,
        can_edit=ui.can(Permission.SECRET_EDIT, scope),
        errors=errors or {},
        failure=failure,
        given=given or {"identifier": "", "description": ""},
        notice=notice,
    )


@router.get("/secrets")
def secret_list(request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    query = request.query_params
    notice = None
    if query.get("created"):
        notice = f"Secret {query['created']} was created."
    elif query.get("updated"):
        notice = f"The value of secret {query['updated']} was replaced."
    elif query.get("deleted"):
        notice = f"Secret {query['deleted']} was deleted."
    return _list(request, ui, scope, notice=notice)


@router.post("/secrets")
async def secret_create(request: Request, ui: Ui) -> Response:
    form = await form_of(request)
    return await run_in_threadpool(_create, request, ui, form)


def _create(request: Request, ui: UiCall, form: dict[str, str]) -> Response:
    scope = page_scope(request, ui)
    identifier = form.get("identifier", "").strip()
    description = form.get("description", "")
    given = {"identifier": identifier, "description": description}
    try:
        ref = entity_ref(scope, identifier)
        secrets.create(ui.ctx, ref, form.get("value", "").encode("utf-8"), description=description)
    except ValidationFailed as exc:
        return _list(request, ui, scope, status=400, errors=_field_errors(exc), given=given)
    except AwsconnError as exc:
        return _list(request, ui, scope, status=exc.http_status, failure=problem_error(exc),
                     given=given)  # fmt: skip
    return RedirectResponse(Links(request).scoped("/secrets", scope, created=str(ref)), 303)


def _secret_page(
    request: Request,
    ui: UiCall,
    scope: Scope,
    ref: EntityRef,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    failure: dict[str, object] | None = None,
) -> Response:
    meta = secrets.get(ui.ctx, ref)
    users = secrets.users_of(ui.ctx, ref)
    return render(request, "secret.html", status=status, ui=ui, section="secrets", scope=scope,
                  ref=ref, meta=meta, users=users, errors=errors or {}, failure=failure,
                  can_edit=ui.can(Permission.SECRET_EDIT, scope))  # fmt: skip


@router.get("/secrets/{identifier}")
def secret_page(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    return _secret_page(request, ui, scope, entity_ref(scope, identifier))


@router.post("/secrets/{identifier}/value")
async def secret_update(identifier: str, request: Request, ui: Ui) -> Response:
    form = await form_of(request)
    return await run_in_threadpool(_update, request, ui, identifier, form)


def _update(request: Request, ui: UiCall, identifier: str, form: dict[str, str]) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    try:
        secrets.update(ui.ctx, ref, form.get("value", "").encode("utf-8"))
    except ValidationFailed as exc:
        return _secret_page(request, ui, scope, ref, status=400, errors=_field_errors(exc))
    return RedirectResponse(Links(request).scoped("/secrets", scope, updated=str(ref)), 303)


@router.post("/secrets/{identifier}/delete")
def secret_delete(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    try:
        secrets.delete(ui.ctx, ref)
    except SecretInUse as exc:
        return _secret_page(request, ui, scope, ref, status=409, failure=problem_error(exc))
    return RedirectResponse(Links(request).scoped("/secrets", scope, deleted=str(ref)), 303)
