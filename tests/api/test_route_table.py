"""The route table is consistent: unique routes, a permission on every non-public one, the
Harness endpoints the issue names at Harness's paths, models that make OpenAPI schemas."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from typing import get_args

import pytest
from pydantic import BaseModel, TypeAdapter

from awsconn.api.awsconn_shapes import TokenRole
from awsconn.api.paths import (
    AUTHENTICATED,
    AWSCONN_PATH,
    BASE_PATH,
    PUBLIC,
    ROUTES,
    SCOPE_PARAMETERS,
    YAML,
    Route,
    route,
)
from awsconn.service.access import Permission, Role, role_permissions

# The Harness endpoints, at Harness's paths (hooks/*.js of its NG client).
HARNESS_ENDPOINTS = {
    ("POST", "/ng/api/connectors"): "useCreateConnectorMutation",
    ("PUT", "/ng/api/connectors"): "useUpdateConnectorMutation",
    ("GET", "/ng/api/connectors/{identifier}"): "useGetConnectorQuery",
    ("DELETE", "/ng/api/connectors/{identifier}"): "useDeleteConnectorMutation",
    ("GET", "/ng/api/connectors"): "useGetConnectorListQuery",
    ("POST", "/ng/api/connectors/listV2"): "useGetConnectorListV2Mutation",
    ("POST", "/ng/api/connectors/testConnection/{identifier}"): (
        "useGetTestConnectionResultMutation"
    ),
    ("POST", "/ng/api/v2/secrets"): "usePostSecretMutation",
    ("PUT", "/ng/api/v2/secrets/{identifier}"): "usePutSecretMutation",
    ("GET", "/ng/api/v2/secrets/{identifier}"): "useGetSecretV2Query",
    ("GET", "/ng/api/v2/secrets"): "useListSecretsV2Query",
    ("DELETE", "/ng/api/v2/secrets/{identifier}"): "useDeleteSecretV2Mutation",
    ("POST", "/ng/api/delegate-token-ng"): "useCreateDelegateTokenMutation",
    ("GET", "/ng/api/delegate-token-ng"): "useGetCgDelegateTokensQuery",
    ("PUT", "/ng/api/delegate-token-ng"): "useRevokeCgDelegateTokenMutation",
    ("POST", "/ng/api/delegate-setup/listDelegates"): "useListDelegatesMutation",
}
PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/assets/{asset}",
}


def _id(row: Route) -> str:
    return f"{row.method} {row.path}"


def test_no_two_routes_share_a_method_and_path_or_an_operation() -> None:
    pairs = Counter((r.method, r.path) for r in ROUTES)
    assert [p for p, n in pairs.items() if n > 1] == []
    operations = Counter(r.operation for r in ROUTES)
    assert [o for o, n in operations.items() if n > 1] == []


def test_public_routes_are_exactly_the_ones_that_need_no_token() -> None:
    assert {r.path for r in ROUTES if r.public} == PUBLIC_PATHS
    for row in ROUTES:
        if not row.public:
            assert isinstance(row.permission, Permission) or row is WHOAMI, _id(row)
            assert row.path.startswith(f"{BASE_PATH}/"), _id(row)


WHOAMI = route("GET", f"{AWSCONN_PATH}/whoami")


def test_only_whoami_needs_a_token_and_no_permission() -> None:
    assert [r for r in ROUTES if r.permission == AUTHENTICATED] == [WHOAMI]
    assert not WHOAMI.scoped and not WHOAMI.public


def test_the_harness_endpoints_sit_at_harness_paths_with_their_hooks() -> None:
    table = {(r.method, r.path): r.harness_hook for r in ROUTES if r.harness_hook}
    assert table == HARNESS_ENDPOINTS
    for row in ROUTES:
        if row.harness_hook is None and not row.public:
            assert row.path.startswith(f"{AWSCONN_PATH}/"), f"{_id(row)}: awsconn's own"


def test_every_harness_route_takes_the_scope_as_harness_does() -> None:
    names = [p.name for p in SCOPE_PARAMETERS]
    assert names == ["accountIdentifier", "orgIdentifier", "projectIdentifier"]
    for row in ROUTES:
        if row.harness_hook is not None:
            assert row.scoped, _id(row)
        query = [p.name for p in row.query_parameters]
        assert len(query) == len(set(query)), _id(row)
        if row.scoped:
            assert query[:3] == names


@pytest.mark.parametrize(
    "row", [r for r in ROUTES if isinstance(r.permission, Permission)], ids=_id
)
def test_each_protected_route_can_be_refused_by_a_role_too_weak(row: Route) -> None:
    """The security test needs, for each route, a role that holds its permission and one
    that does not (a too-weak role must get 403)."""
    holders = [role for role in Role if row.permission in role_permissions(role)]
    lacking = [role for role in Role if row.permission not in role_permissions(role)]
    assert holders and lacking


def test_bodies_go_with_posts_and_puts_and_yaml_with_connector_writes() -> None:
    for row in ROUTES:
        if row.request is not None:
            assert row.method in {"POST", "PUT"}, _id(row)
            assert issubclass(row.request, BaseModel)
            assert row.request_media_types
        if YAML in row.request_media_types:
            assert row.operation in {"createConnector", "updateConnector", "applyConnectors"}


@pytest.mark.parametrize("row", ROUTES, ids=_id)
def test_every_model_makes_a_json_schema(row: Route) -> None:
    if row.request is not None:  # an object; connectors/apply: a list of documents
        kind = "array" if row.operation == "applyConnectors" else "object"
        assert row.request.model_json_schema(by_alias=True)["type"] == kind
    if row.response is not None:
        schema = TypeAdapter(row.response).json_schema(by_alias=True)
        assert "status" in schema["properties"] or "resource" in schema["properties"]


def test_path_parameters_are_named_identifier() -> None:
    assert {p for r in ROUTES if not r.public for p in r.path_parameters} == {"identifier"}


def test_a_route_is_found_by_method_and_path() -> None:
    assert route("GET", "/ng/api/connectors/{identifier}").permission is Permission.CONNECTOR_VIEW
    assert route("GET", "/healthz").permission == PUBLIC
    with pytest.raises(KeyError):
        route("PATCH", "/ng/api/connectors")


def test_token_roles_are_the_access_roles() -> None:
    assert set(get_args(TokenRole)) == {r.value for r in Role}


def test_the_route_table_loads_no_framework_sdk_or_database() -> None:
    code = (
        "import sys, awsconn.api.paths, awsconn.api.harness_errors; "
        "print(','.join(m for m in ('fastapi', 'starlette', 'boto3', 'botocore', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
