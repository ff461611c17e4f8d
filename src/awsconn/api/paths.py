"""The route table, as data: every endpoint of the server and what it requires.

One row per method and path: its query parameters, request and response models, the
Harness client hook it mirrors (``hooks/use*.js`` of Harness's NG client), and the
awsconn permission (``service.access.Permission``) a caller needs, or ``public``.
The routes are written from this table, ``docs/api.md`` lists it, and the security test
walks it: every non-public route refuses no token (401), a token of another scope
(403) and a role without the permission (403).

- Harness's endpoints keep Harness's paths under :data:`BASE_PATH` (``/ng/api``);
  awsconn's own live under :data:`AWSCONN_PATH` (``/ng/api/awsconn``).
- A ``scoped`` route takes the scope as Harness does, in the query parameters of
  :data:`SCOPE_PARAMETERS`, and checks the permission in that scope; an unscoped route
  (the policy engine, the catalog) checks it wherever the caller's grant is. A route
  with ``body_scope`` (connector and secret writes) takes the scope from its body: the
  service asks the permission there, and query parameters that contradict it are 400.
- A row with ``planned`` names the work that brings it; the server does not serve it yet.
- The delegate protocol (:data:`DELEGATE_PROTOCOL_PATH`, versioned) is for delegate
  tokens only (``delegate:work``); every other route refuses them.
- A row with :data:`AUTHENTICATED` needs a valid token and no permission (``whoami``).
- awsconn's extensions to Harness's endpoints are query parameters Harness does not have
  (``allScopes``) and fields beside Harness's (``version``, ``keyId``, ``tagKeys``):
  a Harness client never sends them and ignores them in answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from awsconn.api.awsconn_shapes import (
    ConnectorDocuments,
    ConnectorScheduleRequest,
    CredentialProcessOutput,
    PermissionCheckRequest,
    PermissionDiffRequest,
    PolicyEvaluateRequest,
    PolicyGenerateRequest,
    PolicyLintRequest,
    PolicySimulateRequest,
    TokenCreateRequest,
    TrustPolicyRequest,
)
from awsconn.api.delegate_shapes import (
    DelegateDisconnectRequest,
    DelegateFinishRequest,
    DelegateHeartbeatRequest,
    DelegateInitReport,
    DelegateRegisterRequest,
    DelegateTakeRequest,
    TaskSubmitRequest,
)
from awsconn.api.harness_shapes import (
    ConnectorFilterProperties,
    ConnectorRequest,
    ConnectorResponse,
    ConnectorValidationResult,
    DelegateFilterPropertiesDto,
    DelegateListResponse,
    DelegateTokenDetails,
    PageResponse,
    ResponseDto,
    RestResponse,
    SecretRequestWrapper,
    SecretResponse,
)
from awsconn.service.access import Permission

__all__ = [
    "AUTHENTICATED",
    "AWSCONN_PATH",
    "BASE_PATH",
    "DELEGATE_PROTOCOL_PATH",
    "JSON",
    "PUBLIC",
    "PUBLIC_PATH_PREFIXES",
    "ROUTES",
    "SCOPE_PARAMETERS",
    "YAML",
    "Method",
    "QueryParameter",
    "Route",
    "route",
]

BASE_PATH = "/ng/api"
AWSCONN_PATH = f"{BASE_PATH}/awsconn"
DELEGATE_PROTOCOL_PATH = f"{AWSCONN_PATH}/delegate/v1"
"""The delegate protocol, version 1: register, init, heartbeat, take, finish, disconnect."""
PUBLIC: Literal["public"] = "public"
AUTHENTICATED: Literal["authenticated"] = "authenticated"
JSON = "application/json"
YAML = "application/yaml"
PUBLIC_PATH_PREFIXES = ("/.well-known/", "/static/", "/docs/assets/", "/ui/", "/ui")
"""Paths under these prefixes need no token: well-known documents, the UI's and /docs's
assets, and the web UI's pages (``/ui``), which sign a browser in with a session of their
own (``awsconn.web``: every page but sign-in needs one)."""

Method = Literal["GET", "POST", "PUT", "DELETE"]
_PATH_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: type[Any]
    required: bool = False
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class Route:
    """One endpoint; ``operation`` is its unique OpenAPI operationId."""

    method: Method
    path: str
    operation: str
    summary: str
    permission: Permission | Literal["public", "authenticated"]
    response: Any = None  # a model (ResponseDto[...]) or None for a body that is not JSON
    request: type[BaseModel] | None = None
    request_media_types: tuple[str, ...] = (JSON,)
    response_media_type: str = JSON
    query: tuple[QueryParameter, ...] = ()
    scoped: bool = False
    body_scope: bool = False
    harness_hook: str | None = None
    planned: str | None = None

    @property
    def public(self) -> bool:
        return self.permission == PUBLIC

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAMETER.findall(self.path))

    @property
    def query_parameters(self) -> tuple[QueryParameter, ...]:
        """The scope's parameters first (scoped routes), then the route's own."""
        return (*SCOPE_PARAMETERS, *self.query) if self.scoped else self.query


SCOPE_PARAMETERS = (
    QueryParameter(
        "accountIdentifier",
        str,
        description="the server's account (default 'default'); another value is 404",
    ),
    QueryParameter("orgIdentifier", str, description="the organization; absent: account scope"),
    QueryParameter("projectIdentifier", str, description="the project (needs orgIdentifier)"),
)


def _page(size: int) -> tuple[QueryParameter, ...]:
    return (
        QueryParameter("pageIndex", int, default=0, description="the page, counting from 0"),
        QueryParameter("pageSize", int, default=size, description="items per page (1 to 1000)"),
    )


_SEARCH = QueryParameter("searchTerm", str, description="identifier, name or tag contains this")
_ALL_SCOPES = QueryParameter(
    "allScopes",
    bool,
    default=False,
    description="awsconn's extension: this scope and every scope inside it (without "
    "orgIdentifier: every scope the caller may see), by scope then identifier",
)
_AUDIT_FILTERS = (
    QueryParameter("since", str, description="from this time: 24h, 7d, 90m ago, or an ISO date"),
    QueryParameter("until", str, description="before this time (the forms of since)"),
    QueryParameter("actor", str, description="a caller's name (a token's; 'local')"),
    QueryParameter("action", str, description="an action (token.create) or noun.*"),
    QueryParameter("target", str, description="a target as recorded (eng/web/prod_aws)"),
    QueryParameter(
        "cursor",
        str,
        description="the page after the one whose nextCursor this is (instead of pageIndex)",
    ),
)
_CONNECTORS = f"{BASE_PATH}/connectors"
_SECRETS = f"{BASE_PATH}/v2/secrets"
_TOKENS = f"{BASE_PATH}/delegate-token-ng"
_OWN_CONNECTOR = f"{AWSCONN_PATH}/connectors/{{identifier}}"
_TASKS = f"{AWSCONN_PATH}/tasks"
_PROTOCOL = DELEGATE_PROTOCOL_PATH

_V, _E, _T, _A = (
    Permission.CONNECTOR_VIEW,
    Permission.CONNECTOR_EDIT,
    Permission.CONNECTOR_TEST,
    Permission.CONNECTOR_ACCESS,
)
_Data = ResponseDto[dict[str, Any]]
_List = ResponseDto[list[dict[str, Any]]]

ROUTES: tuple[Route, ...] = (
    # --- public ---------------------------------------------------------------------------
    Route("GET", "/healthz", "healthz", "The process is up (no store access)", PUBLIC, _Data),
    Route("GET", "/readyz", "readyz", "The store answers and is at the schema version",
          PUBLIC, _Data),
    Route("GET", "/metrics", "metrics", "Prometheus metrics", PUBLIC, None,
          response_media_type="text/plain"),
    Route("GET", "/openapi.json", "openapi", "This API's OpenAPI document", PUBLIC, None),
    Route("GET", "/docs", "docs", "The API's documentation page", PUBLIC, None,
          response_media_type="text/html"),
    Route("GET", "/", "webHome", "The web UI (its pages sign a browser in)", PUBLIC, None,
          response_media_type="text/html"),
    Route("GET", "/docs/assets/{asset}", "docsAsset",
          "The documentation page's scripts and styles (Swagger UI), served here: no CDN",
          PUBLIC, None, response_media_type="application/octet-stream"),
    Route("GET", "/.well-known/openid-configuration", "oidcDiscovery",
          "The OIDC issuer's discovery document (404 when the server has no issuer URL)",
          PUBLIC, None),
    Route("GET", "/.well-known/jwks.json", "oidcJwks",
          "The OIDC issuer's public signing keys (a JWK Set)", PUBLIC, None),
    # --- Harness: connectors ----------------------------------------------------------------
    Route("POST", _CONNECTORS, "createConnector", "Create a connector", _E,
          ResponseDto[ConnectorResponse], ConnectorRequest, (JSON, YAML), scoped=True,
          body_scope=True, harness_hook="useCreateConnectorMutation"),
    Route("PUT", _CONNECTORS, "updateConnector", "Update a connector", _E,
          ResponseDto[ConnectorResponse], ConnectorRequest, (JSON, YAML), scoped=True,
          body_scope=True, harness_hook="useUpdateConnectorMutation"),
    Route("GET", f"{_CONNECTORS}/{{identifier}}", "getConnector", "One connector and its status",
          _V, ResponseDto[ConnectorResponse], scoped=True, harness_hook="useGetConnectorQuery"),
    Route("DELETE", f"{_CONNECTORS}/{{identifier}}", "deleteConnector", "Delete a connector", _E,
          ResponseDto[bool], scoped=True, harness_hook="useDeleteConnectorMutation"),
    Route("GET", _CONNECTORS, "getConnectorList", "List connectors", _V,
          ResponseDto[PageResponse[ConnectorResponse]], scoped=True,
          query=(*_page(100), _SEARCH, QueryParameter("type", str, description="Aws"),
                 _ALL_SCOPES),
          harness_hook="useGetConnectorListQuery"),
    Route("POST", f"{_CONNECTORS}/listV2", "getConnectorListV2", "List connectors by a filter",
          _V, ResponseDto[PageResponse[ConnectorResponse]], ConnectorFilterProperties,
          scoped=True, query=(*_page(50), _SEARCH, _ALL_SCOPES),
          harness_hook="useGetConnectorListV2Mutation"),
    Route("POST", f"{_CONNECTORS}/testConnection/{{identifier}}", "getTestConnectionResult",
          "Test a connector (GetCallerIdentity, DescribeRegions); a failed test is status "
          "FAILURE, not an error; one that needs a delegate runs on one (the answer names "
          "it)", _T, ResponseDto[ConnectorValidationResult], scoped=True,
          query=(QueryParameter("capabilities", str,
                                description="awsconn: capabilities to check after the test, "
                                "comma-separated (default: those the connector records)"),
                 QueryParameter("timeout", float, default=30.0,
                                description="awsconn: seconds, 1 to 600")),
          harness_hook="useGetTestConnectionResultMutation"),
    # --- Harness: secrets (values go in, never come out) ------------------------------------
    Route("POST", _SECRETS, "postSecret", "Create a secret", Permission.SECRET_EDIT,
          ResponseDto[SecretResponse], SecretRequestWrapper, scoped=True, body_scope=True,
          harness_hook="usePostSecretMutation"),
    Route("PUT", f"{_SECRETS}/{{identifier}}", "putSecret", "Update a secret (its value too)",
          Permission.SECRET_EDIT, ResponseDto[SecretResponse], SecretRequestWrapper, scoped=True,
          body_scope=True, harness_hook="usePutSecretMutation"),
    Route("GET", f"{_SECRETS}/{{identifier}}", "getSecretV2", "One secret's metadata",
          Permission.SECRET_VIEW, ResponseDto[SecretResponse], scoped=True,
          harness_hook="useGetSecretV2Query"),
    Route("GET", _SECRETS, "listSecretsV2", "List secrets (metadata only)",
          Permission.SECRET_VIEW, ResponseDto[PageResponse[SecretResponse]], scoped=True,
          query=(*_page(50), _SEARCH, _ALL_SCOPES), harness_hook="useListSecretsV2Query"),
    Route("DELETE", f"{_SECRETS}/{{identifier}}", "deleteSecretV2", "Delete a secret",
          Permission.SECRET_EDIT, ResponseDto[bool], scoped=True,
          query=(QueryParameter("forceDelete", bool, default=False,
                                description="detach the connectors that use it first"),),
          harness_hook="useDeleteSecretV2Mutation"),
    # --- Harness: delegates (RestResponse envelope, as Harness answers them) -----------------
    Route("POST", _TOKENS, "createDelegateToken", "Create a delegate token", Permission.TOKEN_ADMIN,
          RestResponse[DelegateTokenDetails], None, (), scoped=True,
          query=(QueryParameter("tokenName", str, required=True),
                 QueryParameter("revokeAfter", int, description="epoch ms")),
          harness_hook="useCreateDelegateTokenMutation"),
    Route("GET", _TOKENS, "getDelegateTokens", "List delegate tokens", Permission.TOKEN_ADMIN,
          RestResponse[list[DelegateTokenDetails]], scoped=True,
          query=(QueryParameter("name", str),
                 QueryParameter("status", str, description="ACTIVE or REVOKED")),
          harness_hook="useGetCgDelegateTokensQuery"),
    Route("PUT", _TOKENS, "revokeDelegateToken", "Revoke a delegate token", Permission.TOKEN_ADMIN,
          RestResponse[DelegateTokenDetails], None, (), scoped=True,
          query=(QueryParameter("tokenName", str, required=True),),
          harness_hook="useRevokeCgDelegateTokenMutation"),
    Route("POST", f"{BASE_PATH}/delegate-setup/listDelegates", "listDelegates", "List delegates",
          Permission.DELEGATE_VIEW, RestResponse[list[DelegateListResponse]],
          DelegateFilterPropertiesDto, scoped=True, harness_hook="useListDelegatesMutation"),
    # --- awsconn: who the caller is; connectors written as the CLI writes them ------------
    Route("GET", f"{AWSCONN_PATH}/whoami", "whoAmI",
          "Who the token stands for: name, kind, role, scope, access, id, permissions",
          AUTHENTICATED, _Data),
    Route("POST", f"{AWSCONN_PATH}/connectors/apply", "applyConnectors",
          "Create, apply or import connectors from one or more documents, all or nothing; a "
          "dry run says what would change, field by field", _E, _List, ConnectorDocuments,
          (YAML, JSON), scoped=True, body_scope=True,
          query=(QueryParameter("mode", str, default="apply",
                                description="create, apply (create or update) or import"),
                 QueryParameter("dryRun", bool, default=False,
                                description="check and report, store nothing"))),
    # --- awsconn: a connector's permissions, history, schedule, regions, credentials -------
    Route("POST", f"{_OWN_CONNECTOR}/permissions/check", "checkConnectorPermissions",
          "Does the connector's identity have what its uses need (GRANTED, NOT_GRANTED, DEPENDS)",
          _T, _Data, PermissionCheckRequest, scoped=True),
    Route("POST", f"{_OWN_CONNECTOR}/permissions/diff", "diffConnectorPermissions",
          "Which uses a new policy set gains or loses", _T, _Data, PermissionDiffRequest,
          scoped=True),
    Route("GET", f"{_OWN_CONNECTOR}/history", "getConnectionHistory",
          "Stored connection test results, newest first", _V, _List, scoped=True,
          query=(QueryParameter("limit", int, default=20, description="1 to 1000"),)),
    Route("GET", f"{_OWN_CONNECTOR}/schedule", "getConnectorSchedule",
          "When the monitor next tests the connector, and how often", _V, _Data, scoped=True),
    Route("PUT", f"{_OWN_CONNECTOR}/schedule", "setConnectorSchedule",
          "The connector's own test interval (minutes), or null for the default", _E, _Data,
          ConnectorScheduleRequest, scoped=True),
    Route("GET", f"{_OWN_CONNECTOR}/regions", "listConnectorRegions",
          "The regions DescribeRegions returns for the connector", _T, _Data, scoped=True,
          query=(QueryParameter("timeout", float, default=30.0,
                                description="seconds, 1 to 600"),)),
    Route("POST", f"{_OWN_CONNECTOR}/credentials", "getConnectorCredentials",
          "AWS credentials of the connector, as credential_process JSON", _A,
          ResponseDto[CredentialProcessOutput], None, (), scoped=True,
          query=(QueryParameter("timeout", float, default=30.0,
                                description="seconds, 1 to 3600"),)),
    # --- awsconn: the capability catalog and the offline policy engine (unscoped) ---------
    Route("GET", f"{AWSCONN_PATH}/capabilities", "listCapabilities",
          "Every use the catalog knows and what it requires", _V, _List),
    Route("GET", f"{AWSCONN_PATH}/regions", "listRegions",
          "The AWS regions and partitions awsconn knows", _V, _List),
    Route("POST", f"{AWSCONN_PATH}/policies/generate", "generatePolicy",
          "The least-privilege identity policy for some uses", _V, _Data, PolicyGenerateRequest),
    Route("POST", f"{AWSCONN_PATH}/policies/trust", "generateTrustPolicy",
          "The trust policy of a cross-account role, or of IRSA", _V, _Data, TrustPolicyRequest),
    Route("POST", f"{AWSCONN_PATH}/policies/evaluate", "evaluatePolicy",
          "Decide one request offline and explain the decision", _V, _Data, PolicyEvaluateRequest),
    Route("POST", f"{AWSCONN_PATH}/policies/simulate", "simulatePolicies",
          "Run simulation cases", _V, _List, PolicySimulateRequest),
    Route("POST", f"{AWSCONN_PATH}/policies/lint", "lintPolicies",
          "Check policies: grammar, what their kind needs, the IAM catalog", _V, _Data,
          PolicyLintRequest),
    Route("GET", f"{AWSCONN_PATH}/policies/actions", "expandActions",
          "The catalog actions an action pattern matches", _V, _List,
          query=(QueryParameter("pattern", str, required=True, description="e.g. s3:Get*"),)),
    # --- awsconn: API tokens and the audit log ----------------------------------------------
    Route("POST", f"{AWSCONN_PATH}/tokens", "createToken",
          "Create an API token in this scope; its value is answered once", Permission.TOKEN_ADMIN,
          _Data, TokenCreateRequest, scoped=True),
    Route("GET", f"{AWSCONN_PATH}/tokens", "listTokens", "List API tokens (never their values)",
          Permission.TOKEN_ADMIN, _List, scoped=True,
          query=(QueryParameter("includeEnded", bool, default=False,
                                description="revoked and expired tokens too"),)),
    Route("DELETE", f"{AWSCONN_PATH}/tokens/{{identifier}}", "revokeToken",
          "Revoke an API token; answers it as revoked", Permission.TOKEN_ADMIN, _Data,
          scoped=True),
    Route("GET", f"{AWSCONN_PATH}/audit", "listAuditEvents", "The audit log, newest first",
          Permission.AUDIT_VIEW, ResponseDto[PageResponse[dict[str, Any]]], scoped=True,
          query=(*_page(50), *_AUDIT_FILTERS)),
    # --- awsconn: tasks (a connector's work for a delegate) and delegates ------------------
    Route("POST", _TASKS, "submitTask", "Submit a connector's work as a task: queued for a "
          "delegate, ended when it ran here, failed at once when no delegate can run it; "
          "with waitSeconds, answered once it ended (or after that long)",
          _T, _Data, TaskSubmitRequest, scoped=True),
    Route("GET", _TASKS, "listTasks", "Tasks of the scope and the scopes inside it, newest first",
          _T, _List, scoped=True,
          query=(QueryParameter("connector", str, description="one connector of the scope"),
                 QueryParameter("state", str, description="states, comma-separated"),
                 QueryParameter("kind", str, description="kinds, comma-separated"),
                 QueryParameter("limit", int, default=100, description="1 to 1000"),
                 QueryParameter("offset", int, default=0))),
    Route("GET", f"{_TASKS}/{{identifier}}", "getTask", "One task (its result once it ended)",
          _T, _Data, scoped=True,
          query=(QueryParameter("waitSeconds", float, default=0.0,
                                description="wait up to this long for it to end (0 to 3600)"),)),
    Route("POST", f"{_TASKS}/{{identifier}}/cancel", "cancelTask",
          "Cancel a queued or running task", _T, _Data, None, (), scoped=True),
    Route("GET", f"{AWSCONN_PATH}/delegates", "listAwsconnDelegates",
          "Registered delegates: tags, capabilities, version, last heartbeat, connected (or "
          "why not), init script's end, running tasks", Permission.DELEGATE_VIEW, _List,
          query=(QueryParameter("connected", bool, default=False,
                                description="only those connected now"),)),
    # --- awsconn: the delegate protocol, v1 (delegate tokens only) ---------------------------
    Route("POST", f"{_PROTOCOL}/register", "registerDelegate",
          "A delegate instance registers (its id is in the answer)", Permission.DELEGATE_WORK,
          _Data, DelegateRegisterRequest),
    Route("POST", f"{_PROTOCOL}/init", "reportDelegateInit",
          "How the init script ended, and the capabilities found", Permission.DELEGATE_WORK,
          _Data, DelegateInitReport),
    Route("POST", f"{_PROTOCOL}/heartbeat", "delegateHeartbeat",
          "Alive; renews the leases of the tasks it runs, names those to abandon",
          Permission.DELEGATE_WORK, _Data, DelegateHeartbeatRequest),
    Route("POST", f"{_PROTOCOL}/take", "takeDelegateTask",
          "Take the oldest task this delegate can run; waits up to waitSeconds for one "
          "(null: none came)", Permission.DELEGATE_WORK, _Data, DelegateTakeRequest),
    Route("POST", f"{_PROTOCOL}/finish", "finishDelegateTask",
          "Post the outcome of an attempt of a task", Permission.DELEGATE_WORK, _Data,
          DelegateFinishRequest),
    Route("POST", f"{_PROTOCOL}/disconnect", "disconnectDelegate",
          "Leave: take no more tasks; tasks still held go back to the queue",
          Permission.DELEGATE_WORK, _Data, DelegateDisconnectRequest),
)  # fmt: skip
"""Every route of the server, public ones first."""


def route(method: str, path: str) -> Route:
    """The row of ``method`` and ``path`` (as written in the table, with ``{parameters}``)."""
    for row in ROUTES:
        if row.method == method and row.path == path:
            return row
    raise KeyError(f"no route {method} {path}")
