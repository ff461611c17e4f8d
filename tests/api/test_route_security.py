"""Every route of the running app refuses: no token (401), a token of another scope (403),
a role without the route's permission (403); the credentials route refuses an editor
without connector access. The app serves exactly the route table (no route escapes the
walk), with the table's query parameters."""

from __future__ import annotations

import pytest
from route_requests import request_for

from api_fixtures import ApiServer
from awsconn.api.app import FRAMEWORK_ROUTES
from awsconn.api.paths import AUTHENTICATED, ROUTES, Route
from awsconn.service.access import Permission, Role, role_permissions
from awsconn.service.context import AppContext
from awsconn.service.tokens import create_delegate_token, revoke_token

SERVED = [r for r in ROUTES if r.planned is None]
PROTECTED = [r for r in SERVED if not r.public]
# The weakest role (of those a token may hold) that lacks each permission.
_WEAK_ORDER = (Role.DELEGATE, Role.VIEWER, Role.EDITOR)


def _id(row: Route) -> str:
    return f"{row.method} {row.path}"


def _weak_role(permission: Permission) -> Role:
    lacking = [r for r in reversed(_WEAK_ORDER) if permission not in role_permissions(r)]
    return lacking[0]  # the strongest role that still lacks it: the closest refusal


@pytest.fixture(scope="module")
def tokens(api_server: ApiServer) -> dict[str, str]:
    """Tokens by name: each role in org ``eng``, admins elsewhere, a delegate token."""
    ctx = AppContext(environ=api_server.service_environ())
    delegate = create_delegate_token(ctx, name="probe-delegate").token
    revoked = api_server.make_token("viewer")
    made = {
        "viewer": api_server.make_token("viewer", org="eng"),
        "editor": api_server.make_token("editor", org="eng"),
        "delegate": delegate,
        "revoked": revoked,
        "other-admin": api_server.make_token("admin", org="other", access=True),
        "account-viewer": api_server.make_token("viewer"),
    }
    with api_server.client() as http:
        listed = http.get("/ng/api/awsconn/tokens").json()["data"]
    revoked_id = next(t["id"] for t in listed if t["prefix"] == revoked[: len(t["prefix"])])
    revoke_token(ctx, token_id=revoked_id)
    ctx.close()
    return made


def test_the_app_serves_exactly_the_route_table(api_server: ApiServer) -> None:
    with api_server.client(token="") as http:
        document = http.get("/openapi.json").json()
        assert http.get("/docs").status_code == 200
    served = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    expected = {(r.method, r.path) for r in SERVED if r.operation not in FRAMEWORK_ROUTES}
    assert served == expected
    for row in SERVED:
        if row.operation in FRAMEWORK_ROUTES:
            continue
        operation = document["paths"][row.path][row.method.lower()]
        assert operation["operationId"] == row.operation
        given = {p["name"]: p["required"] for p in operation.get("parameters", [])
                 if p["in"] == "query"}  # fmt: skip
        assert given == {q.name: q.required for q in row.query_parameters}, _id(row)
        assert ("security" in operation) == (not row.public), _id(row)


@pytest.mark.parametrize("row", PROTECTED, ids=_id)
def test_no_token_is_401_and_never_says_whether_a_token_exists(
    api_server: ApiServer, tokens: dict[str, str], row: Route
) -> None:
    request = request_for(row, "eng")
    answers = []
    for presented in ("", "awsc_" + "A" * 43, "not-even-a-token", tokens["revoked"]):
        with api_server.client(token=presented) as http:
            answer = http.request(**request)
        assert answer.status_code == 401, (presented[:8], answer.text)
        body = answer.json()
        assert body["code"] == "INVALID_TOKEN" and body["awsconnCode"] == "UNAUTHENTICATED"
        answers.append((body["message"], body.get("hint")))
    assert len(set(answers)) == 1
    with api_server.client(token="", headers={"Authorization": "Bearer " + "x"}) as http:
        assert http.request(**request).status_code == 401


@pytest.mark.parametrize("row", [r for r in PROTECTED if r.permission != AUTHENTICATED], ids=_id)
def test_a_role_without_the_permission_is_403(
    api_server: ApiServer, tokens: dict[str, str], row: Route
) -> None:
    assert isinstance(row.permission, Permission)
    weak = _weak_role(row.permission)
    with api_server.client(token=tokens[weak.value]) as http:
        answer = http.request(**request_for(row, "eng"))
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["code"] == "ACCESS_DENIED" and body["awsconnCode"] == "FORBIDDEN"
    assert row.permission.value in body["message"]


@pytest.mark.parametrize("row", [r for r in PROTECTED if r.scoped], ids=_id)
def test_a_token_of_another_scope_is_403(
    api_server: ApiServer, tokens: dict[str, str], row: Route
) -> None:
    """An admin (with connector access) of org ``other`` asks for something of ``eng``."""
    with api_server.client(token=tokens["other-admin"]) as http:
        answer = http.request(**request_for(row, "eng"))
    assert answer.status_code == 403, answer.text
    assert "granted in org other only" in answer.json()["message"]


def test_unscoped_routes_take_the_callers_own_grant(
    api_server: ApiServer, tokens: dict[str, str]
) -> None:
    """The catalog, the policy engine and the delegate list: any grant of their permission,
    wherever it is (the delegate protocol is for delegate tokens: tests/delegate)."""
    unscoped = [r for r in PROTECTED if not r.scoped]
    for row in (r for r in unscoped if r.permission is not Permission.DELEGATE_WORK):
        with api_server.client(token=tokens["other-admin"]) as http:
            answer = http.request(**request_for(row, None))
        assert answer.status_code == 200, (_id(row), answer.text)


def test_credentials_refuse_an_editor_without_connector_access(
    api_server: ApiServer, tokens: dict[str, str]
) -> None:
    row = next(r for r in ROUTES if r.operation == "getConnectorCredentials")
    with api_server.client(token=tokens["editor"]) as http:
        answer = http.request(**request_for(row, "eng"))
    assert answer.status_code == 403
    assert "connector:access" in answer.json()["message"]
    assert "granted connector access" in answer.json()["message"]


def test_whoami_answers_any_valid_token_with_who_it_stands_for(
    api_server: ApiServer, tokens: dict[str, str]
) -> None:
    expected = {
        "viewer": ("api", "viewer", "eng", False),
        "editor": ("api", "editor", "eng", False),
        "delegate": ("delegate", "delegate", None, False),
        "other-admin": ("api", "admin", "other", True),
    }
    for name, (kind, role, scope, access) in expected.items():
        with api_server.client(token=tokens[name]) as http:
            answer = http.get("/ng/api/awsconn/whoami")
        assert answer.status_code == 200, answer.text
        me = answer.json()["data"]
        assert (me["kind"], me["role"], me["scope"], me["access"]) == (kind, role, scope, access)
        assert len(me["tokenId"]) == 16 and me["name"]
        assert ("delegate:work" in me["permissions"]) == (kind == "delegate")
        assert tokens[name] not in answer.text
