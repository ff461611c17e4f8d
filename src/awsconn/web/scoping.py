"""The scope a page is about: ``org`` and ``project`` query parameters (the scope
switcher writes them), else the caller's own scope; problems name those parameters."""

from __future__ import annotations

from starlette.requests import Request

from awsconn.errors import Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, scope_of_settings
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.web.session import UiCall

__all__ = ["entity_ref", "page_scope"]


def page_scope(request: Request, ui: UiCall) -> Scope:
    """The page's scope: the query's ``org``/``project`` when given (empty: the account),
    else where the caller's role was granted."""
    query = request.query_params
    if "org" not in query and "project" not in query:
        return ui.caller.scope
    return scope_of_settings(query.get("org") or None, query.get("project") or None)


def entity_ref(scope: Scope, identifier: str) -> EntityRef:
    """The entity ``identifier`` names in ``scope`` (400 naming ``identifier`` otherwise)."""
    if why := identifier_problem(identifier):
        problem = Problem("identifier", why, given=identifier, allowed=IDENTIFIER_RULE)
        raise ValidationFailed([problem], what="page address")
    return EntityRef(scope, identifier)
