"""A connector's Permissions report: each capability granted, partly or not, the actions
missing, the policy to attach (with a copy button) and, for a cross-account role, the
trust policy the role needs; for an OIDC connector, what its role must trust (this
server's issuer, the audience, the token's ``sub``) and that trust policy.

The check is ``connector_permissions.check_connector`` (``connector:test``), as the API's;
it reads AWS, so it runs when asked (the form's **Check permissions**), not on every view.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from awsconn.errors import AwsconnError
from awsconn.iam.capabilities import load_catalog
from awsconn.service import connectors
from awsconn.service.access import Permission
from awsconn.service.connector_permissions import check_connector
from awsconn.service.policy_generation import trust_policy
from awsconn.service.ui_queries import oidc_trust_view
from awsconn.web.pages import render
from awsconn.web.scoping import entity_ref, page_scope
from awsconn.web.session import Ui, problem_error

router = APIRouter()

PARAMETERS = (
    ("bucket", "S3 bucket"),
    ("repository", "ECR repository"),
    ("region", "Region"),
    ("account", "Account ID"),
    ("role", "Role name"),
)


def _trust(
    principal: str, external_id: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The cross-account role's trust policy for ``principal`` (the identity that assumes
    it), or the error that says why it cannot be written."""
    if not principal:
        return None, None
    try:
        return trust_policy(trusted_principal=principal, external_id=external_id), None
    except AwsconnError as exc:
        return None, problem_error(exc)


@router.get("/connectors/{identifier}/permissions")
def permissions_page(identifier: str, request: Request, ui: Ui) -> Response:
    scope = page_scope(request, ui)
    ref = entity_ref(scope, identifier)
    ui.ctx.caller.require(Permission.CONNECTOR_TEST, scope)
    detail = connectors.get(ui.ctx, ref)
    spec: dict[str, Any] = detail.connector.get("spec", {})  # type: ignore[assignment]
    cross = (spec.get("credential") or {}).get("crossAccountAccess") or {}
    query = request.query_params
    asked = [c for c in query.getlist("capabilities") if c]
    chosen = asked or list(spec.get("capabilities") or []) or ["describe-regions"]
    params = {name: query.get(name, "").strip() for name, _ in PARAMETERS}
    report = error = None
    if query.get("run"):
        try:
            report = check_connector(
                ui.ctx, ref, chosen, parameters={k: v or None for k, v in params.items()}
            )
        except AwsconnError as exc:
            error = problem_error(exc)
    principal = query.get("trusted_principal", "").strip()
    if not principal and report is not None and report.base_principal is not None:
        principal = report.base_principal.arn or ""
    trust, trust_error = _trust(principal, cross.get("externalId")) if cross else (None, None)
    credential = spec.get("credential") or {}
    oidc = oidc_role = None
    if credential.get("type") == "OidcAuthentication":
        oidc_spec = credential.get("spec") or {}
        oidc_role = str(oidc_spec.get("iamRoleArn") or "")
        audience = str(oidc_spec.get("audience") or "")
        oidc = oidc_trust_view(ui.ctx, ref.scope, ref.identifier, oidc_role, audience)
    catalog = load_catalog()
    return render(
        request,
        "permissions.html",
        ui=ui,
        section="connectors",
        scope=scope,
        ref=ref,
        connector=detail.status,
        capabilities=[(c.name, c.summary) for c in catalog.capabilities.values()],
        chosen=chosen,
        parameters=PARAMETERS,
        params=params,
        report=report,
        error=error,
        cross=cross,
        principal=principal,
        trust=trust,
        trust_error=trust_error,
        oidc=oidc,
        oidc_role=oidc_role,
    )
