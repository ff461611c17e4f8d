"""The Connectors page (a scope's connectors, searched, filtered and paged) and one
connector's page: settings, YAML, status history, connection test, delete.

Each handler makes the service calls the API makes (``connector_pages.list_page``,
``connectors.get``/``history``/``delete``, ``connectivity.run_connector_test``) with the
session's caller; edit controls are shown only to a caller who may use them, and the
service refuses anyone else anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from awsconn.errors import AwsconnError, Problem, ValidationFailed
from awsconn.model import CredentialType, EntityRef, Scope, parse_connector_document
from awsconn.model.oidc import DEFAULT_AUDIENCE, subject_of
from awsconn.model.yaml_io import dump_connectors_yaml
from awsconn.service import connectivity, connectors
from awsconn.service.access import Permission
from awsconn.service.connector_pages import ConnectorFilter, list_page
from awsconn.service.ui_queries import role_hops, stages_of_test
from awsconn.web.connector_form import CREDENTIAL_TYPES
from awsconn.web.pages import Links, render
from awsconn.web.scoping import entity_ref, page_scope
from awsconn.web.session import Ui, UiCall, problem_error

router = APIRouter()

PAGE_SIZE = 25
HISTORY_SHOWN = 30
STATUS_FILTERS = {"SUCCESS": "Success", "FAILURE": "Failure", "UNKNOWN": "Never tested"}
CREDENTIAL_LABELS = dict(CREDENTIAL_TYPES)


def _tag_filter(text: str) -> dict[str, str]:
    """``KEY=VALUE`` (one tag), problems at ``tag``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        problem = Problem(
            "tag", "is not KEY=VALUE", given=text, allowed="KEY=VALUE, e.g. team=platform"
        )
        raise ValidationFailed([problem], what="connector filter")
    return {key.strip(): value.strip()}


def _page_number(text: str | None) -> int:
    if text is None or text == "":
        return 1
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ValidationFailed(
            [Problem("page", "is not a page number", given=text, allowed="1 to 1000000")],
            what="connector listing",
        )
    return int(text)


@router.get("/connectors")
def connector_list(request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    query = request.query_params
    search = query.get("q", "").strip()
    kind = query.get("type", "")
    status = query.get("status", "")
    tag = query.get("tag", "").strip()
    problems: list[Problem] = []
    try:
        page = _page_number(query.get("page"))
    except ValidationFailed as exc:  # reported with the filters' problems
        problems += exc.problems
        page = 1
    if kind and kind not in CREDENTIAL_LABELS:
        problems.append(Problem("type", "is not a credential type", given=kind,
                                allowed=", ".join(CREDENTIAL_LABELS)))  # fmt: skip
    if status and status not in STATUS_FILTERS:
        problems.append(Problem("status", "is not a status", given=status,
                                allowed=", ".join(STATUS_FILTERS)))  # fmt: skip
    if problems:
        raise ValidationFailed(problems, what="connector filter")
    wanted = ConnectorFilter(
        search_term=search or None,
        credential_types=[kind] if kind else (),
        statuses=[status] if status else (),
        tags=_tag_filter(tag) if tag else {},
    )
    found = list_page(ui.ctx, scope, page_index=page - 1, page_size=PAGE_SIZE, wanted=wanted)
    pages = max(1, -(-found.total_items // PAGE_SIZE))
    filters = {"q": search, "type": kind, "status": status, "tag": tag}
    return render(
        request,
        "connectors.html",
        ui=ui,
        scope=scope,
        items=[item.status for item in found.items],
        total=found.total_items,
        page=page,
        pages=pages,
        filters=filters,
        statuses=STATUS_FILTERS,
        credential_labels=CREDENTIAL_LABELS,
        can_edit=ui.can(Permission.CONNECTOR_EDIT, scope),
        deleted=query.get("deleted"),
    )


def _yaml_of(ui: UiCall, document: dict[str, Any]) -> str:
    connector = parse_connector_document({"connector": document}, account=ui.ctx.account)
    return dump_connectors_yaml([connector])


@router.get("/connectors/{identifier}")
def connector_page(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    return _connector_page(request, ui, scope, entity_ref(scope, identifier))


def _connector_page(
    request: Request,
    ui: UiCall,
    scope: Scope,
    ref: EntityRef,
    test: dict[str, Any] | None = None,
) -> Response:
    """The connector's page (with a connection test's result in its place, when given)."""
    detail = connectors.get(ui.ctx, ref)
    history = connectors.history(ui.ctx, ref, limit=HISTORY_SHOWN)
    document = detail.connector
    spec: dict[str, Any] = document.get("spec", {})  # type: ignore[assignment]
    return render(
        request,
        "connector.html",
        ui=ui,
        scope=scope,
        ref=ref,
        connector=detail.status,
        document=document,
        spec=spec,
        credential=spec.get("credential", {}),
        yaml_text=_yaml_of(ui, document),
        history=history,
        timeline=list(reversed(history)),
        credential_labels=CREDENTIAL_LABELS,
        oidc_default_audience=DEFAULT_AUDIENCE,
        oidc_subject=subject_of(ui.ctx.account, scope, ref.identifier),
        can_edit=ui.can(Permission.CONNECTOR_EDIT, scope),
        can_test=ui.can(Permission.CONNECTOR_TEST, scope),
        saved=request.query_params.get("saved"),
        test=test,
    )


def credential_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``spec.credential`` of a stored connector's body (empty when it has none)."""
    spec = document.get("spec")
    credential = spec.get("credential") if isinstance(spec, dict) else None
    return credential if isinstance(credential, dict) else {}


def _test_view(ui: UiCall, ref: EntityRef) -> dict[str, Any]:
    """A connection test's result as the page shows it: the outcome and its stages, or
    the error that kept it from running."""
    detail = connectors.get(ui.ctx, ref)
    credential = credential_of(detail.connector)
    kind = str(credential.get("type", CredentialType.MANUAL.value))
    hops = role_hops(credential)
    try:
        outcome = connectivity.run_connector_test(ui.ctx, ref)
    except AwsconnError as exc:
        return {"outcome": None, "stages": [], "error": problem_error(exc)}
    return {
        "outcome": outcome,
        "stages": stages_of_test(outcome, kind, hops),
        "error": None,
    }


@router.post("/connectors/{identifier}/test")
async def connector_test(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    ui.ctx.caller.require(Permission.CONNECTOR_TEST, scope)  # refused as a page, not a result
    view = await run_in_threadpool(_test_view, ui, ref)
    if not request.headers.get("hx-request"):  # a plain form (no JavaScript): the whole page
        return await run_in_threadpool(_connector_page, request, ui, scope, ref, view)
    return render(request, "test_result.html", ui=ui, scope=scope, ref=ref, **view)


@router.get("/connectors/{identifier}/delete")
def connector_delete_page(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    ui.ctx.caller.require(Permission.CONNECTOR_EDIT, scope)
    detail = connectors.get(ui.ctx, ref)
    return render(request, "connector_delete.html", ui=ui, scope=scope, ref=ref,
                  connector=detail.status)  # fmt: skip


@router.post("/connectors/{identifier}/delete")
def connector_delete(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    connectors.delete(ui.ctx, ref)
    target = Links(request).scoped("/connectors", scope, deleted=str(ref))
    return RedirectResponse(target, status_code=303)
