"""The create/edit wizard, in the seed's words: Overview, Credentials, Connectivity, then
**Save and Continue** opens the Connection test.

Every step posts the whole form (the later steps' fields ride along hidden), so nothing
is kept on the server between steps. **Continue** checks the document the form makes with
the write's own validation and shows the problems of this step and the ones before it
next to their fields; **Save and Continue** saves (creating a typed Secret Key first, see
``service.inline_secrets``) and opens the test. The typed Secret Key is never put back
into a page: with htmx its field is kept by the browser across steps (``hx-preserve``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from awsconn.errors import AwsconnError, NotFound, Problem, ValidationFailed
from awsconn.iam.capabilities import load_catalog
from awsconn.iam.generate import generate_external_id
from awsconn.model import EntityRef, Scope
from awsconn.model.regions import PARTITIONS
from awsconn.service import connectors
from awsconn.service.access import Permission
from awsconn.service.inline_secrets import connector_problems, save_connector
from awsconn.service.ui_queries import (
    OidcTrustView,
    matching_delegates,
    oidc_trust_view,
    planned_stages,
    role_hops,
    secret_choices,
)
from awsconn.web.connector_form import (
    BACKOFF_TYPES,
    CREDENTIAL_TYPES,
    FIELD_STEPS,
    MAX_CHAIN_HOPS,
    STEPS,
    WizardForm,
    errors_by_field,
    first_step_with_errors,
)
from awsconn.web.pages import Links, render
from awsconn.web.routes_connectors import credential_of
from awsconn.web.scoping import entity_ref, page_scope
from awsconn.web.session import Ui, UiCall, problem_error

router = APIRouter()


def _exists_problem(ui: UiCall, scope: Scope, identifier: str) -> list[Problem]:
    """A new connector's ID taken already in its scope."""
    try:
        ref = entity_ref(scope, identifier)
        connectors.get(ui.ctx, ref)
    except (ValidationFailed, NotFound):
        return []
    return [
        Problem(
            "identifier",
            f"a connector with this ID exists already in {scope.label()}",
            given=identifier,
            allowed="another ID",
        )
    ]


def _matches(ui: UiCall, form: WizardForm) -> Any:
    if form.connectivity() != "delegate" or not ui.can(Permission.DELEGATE_VIEW, ui.caller.scope):
        return None
    selectors = form.get("delegate_tags").replace(",", " ").split()
    if form.delegate_mode() != "tags":
        selectors = []
    return matching_delegates(ui.ctx, selectors, form.get("credential_type"))


def _wizard(
    request: Request,
    ui: UiCall,
    scope: Scope,
    form: WizardForm,
    *,
    step: int,
    mode: str,
    errors: dict[str, list[str]] | None = None,
    general: list[Problem] | None = None,
    failure: dict[str, Any] | None = None,
    version: int | None = None,
    retype_secret: bool = False,
    status: int = 200,
    focus_hop: bool = False,
) -> Response:
    catalog = load_catalog()
    return render(
        request,
        "wizard.html",
        status=status,
        ui=ui,
        section="connectors",
        scope=scope,
        form=form,
        step=step,
        steps=STEPS,
        mode=mode,
        version=version,
        errors=errors or {},
        general=[
            {"path": p.path, "message": p.message, "allowed": p.allowed} for p in general or []
        ],
        failure=failure,
        retype_secret=retype_secret,
        credential_types=CREDENTIAL_TYPES,
        backoff_types=BACKOFF_TYPES,
        partitions=PARTITIONS,
        capabilities=[(c.name, c.summary) for c in catalog.capabilities.values()],
        secrets=secret_choices(ui.ctx, scope),
        matches=_matches(ui, form) if step == 3 else None,
        max_chain_hops=MAX_CHAIN_HOPS,
        focus_hop=focus_hop,
        oidc=_oidc_view(ui, scope, form) if step == 2 else None,
    )


def _oidc_view(ui: UiCall, scope: Scope, form: WizardForm) -> OidcTrustView:
    """What an OIDC connector's role must trust (shown when OIDC is the choice)."""
    return oidc_trust_view(
        ui.ctx, scope, form.identifier, form.get("iam_role_arn"), form.get("audience")
    )


def _action(scope: Scope, mode: str, identifier: str | None) -> str:
    return "/new-connector" if mode == "create" else f"/connectors/{identifier}/edit"


@router.get("/new-connector")
def new_connector(request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ui.ctx.caller.require(Permission.CONNECTOR_EDIT, scope)
    return _wizard(request, ui, scope, WizardForm.blank(), step=1, mode="create")


@router.get("/connectors/{identifier}/edit")
def edit_connector(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    ui.ctx.caller.require(Permission.CONNECTOR_EDIT, scope)
    detail = connectors.get(ui.ctx, ref)
    form = WizardForm.of_document(detail.connector)
    return _wizard(request, ui, scope, form, step=1, mode="edit", version=detail.status.version)


def _step_of(text: str) -> int:
    return int(text) if text in ("1", "2", "3") else 1


async def _post(request: Request, ui: UiCall, mode: str, identifier: str | None) -> Response:
    scope = page_scope(request, ui)
    raw = await request.form()
    form = WizardForm.from_form(raw)
    step = _step_of(str(raw.get("step") or "1"))
    go = str(raw.get("go") or "next")
    version_text = str(raw.get("version") or "")
    version = int(version_text) if version_text.isdigit() else None
    htmx = bool(request.headers.get("hx-request"))
    retype = bool(form.secret_value) and not htmx
    if mode == "edit":
        assert identifier is not None
        form.values["identifier"] = identifier  # fixed once saved
    if go == "back":
        return _wizard(request, ui, scope, form, step=max(1, step - 1), mode=mode,
                       version=version, retype_secret=retype)  # fmt: skip
    if go == "add-hop" or go.startswith("remove-hop-"):
        # the role chain's rows change on the Credentials step; nothing is checked yet
        if go == "add-hop":
            form.add_chain_row()
        elif go.removeprefix("remove-hop-").isdigit():
            form.remove_chain_row(int(go.removeprefix("remove-hop-")))
        return _wizard(request, ui, scope, form, step=2, mode=mode, version=version,
                       retype_secret=retype, focus_hop=True)  # fmt: skip
    return await run_in_threadpool(
        _check_or_save, request, ui, scope, form, step, go, mode, version, retype
    )


def _check_or_save(
    request: Request,
    ui: UiCall,
    scope: Scope,
    form: WizardForm,
    step: int,
    go: str,
    mode: str,
    version: int | None,
    retype: bool,
) -> Response:
    base: dict[str, Any] | None = None
    if mode == "edit":
        base = connectors.get(ui.ctx, EntityRef(scope, form.identifier)).connector
    document, problems = form.document(scope, base)
    new_secret = form.new_secret(scope)
    if (mode == "create" and step == 1) or (go == "save" and mode == "create"):
        problems += _exists_problem(ui, scope, form.identifier)
    saving = go == "save" and step == 3
    if not saving or problems:
        problems += connector_problems(ui.ctx, document, new_secret)
    errors, general = errors_by_field(problems, new_secret=new_secret is not None)
    if not saving:
        errors = {k: v for k, v in errors.items() if FIELD_STEPS.get(k, 3) <= step}
        general = [] if step < 3 else general
        if not errors and not general:
            return _wizard(request, ui, scope, form, step=step + 1, mode=mode, version=version,
                           retype_secret=retype)  # fmt: skip
    if errors or general:
        back_to = min(step, first_step_with_errors(errors) or step)
        return _wizard(request, ui, scope, form, step=back_to, mode=mode, errors=errors,
                       general=general, version=version, retype_secret=retype,
                       status=400)  # fmt: skip
    try:
        detail, _stored = save_connector(
            ui.ctx,
            document,
            mode="create" if mode == "create" else "update",
            expected_version=version if mode == "edit" else None,
            new_secret=new_secret,
        )
    except ValidationFailed as exc:
        errors, general = errors_by_field(list(exc.problems), new_secret=new_secret is not None)
        back_to = first_step_with_errors(errors) or 3
        return _wizard(request, ui, scope, form, step=back_to, mode=mode, errors=errors,
                       general=general, version=version, retype_secret=retype,
                       status=400)  # fmt: skip
    except AwsconnError as exc:
        if isinstance(exc, ValidationFailed):  # pragma: no cover - caught above
            raise
        return _wizard(request, ui, scope, form, step=3, mode=mode, failure=problem_error(exc),
                       version=version, retype_secret=retype,
                       status=exc.http_status)  # fmt: skip
    target = Links(request).scoped(f"/connectors/{detail.status.identifier}/verify", scope)
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/new-connector")
async def new_connector_post(request: Request, ui: Ui) -> Response:
    return await _post(request, ui, "create", None)


@router.post("/connectors/{identifier}/edit")
async def edit_connector_post(identifier: str, request: Request, ui: Ui) -> Response:
    entity_ref(page_scope(request, ui), identifier)
    return await _post(request, ui, "edit", identifier)


@router.get("/connectors/{identifier}/verify")
def verify_connector(identifier: str, request: Request, ui: Ui) -> Response:
    """Step 4: the connector was saved; the page runs its connection test at once."""
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    detail = connectors.get(ui.ctx, ref)
    credential = credential_of(detail.connector)
    return render(
        request,
        "wizard_test.html",
        ui=ui,
        section="connectors",
        scope=scope,
        ref=ref,
        connector=detail.status,
        credential=credential,
        planned=planned_stages(str(credential.get("type", "")), role_hops(credential)),
        steps=STEPS,
        step=4,
        can_test=ui.can(Permission.CONNECTOR_TEST, scope),
    )


@router.get("/external-id")
def new_external_id(request: Request, ui: Ui) -> Response:
    """A fresh External ID (256 random bits) in the wizard's External ID field."""
    return render(request, "external_id.html", ui=ui, value=generate_external_id())


@router.get("/oidc-trust")
def oidc_trust(request: Request, ui: Ui) -> Response:
    """The Credentials step's OIDC explanation for the role ARN and audience typed so far."""
    scope = page_scope(request, ui)
    query = request.query_params
    form = WizardForm({k: query.get(k, "") for k in ("identifier", "iam_role_arn", "audience")})
    return render(request, "oidc_trust.html", ui=ui, oidc=_oidc_view(ui, scope, form))


@router.get("/delegates/matching")
def delegates_matching(request: Request, ui: Ui) -> Response:
    """Which connected delegates the Connectivity step's choice matches now."""
    query = request.query_params
    form = WizardForm({k: query.get(k, "") for k in (
        "credential_type", "connectivity", "delegate_mode", "delegate_tags")})  # fmt: skip
    return render(request, "delegates_matching.html", ui=ui, form=form, matches=_matches(ui, form))
