"""The request bodies of awsconn's own endpoints (``/ng/api/awsconn/...``).

Harness has no endpoint for these, so their shapes are awsconn's: the same camelCase
and conventions as the Harness shapes (:class:`~awsconn.api.harness_base.HarnessModel`),
one field per option of the matching CLI command, policies as JSON documents instead
of files. What they answer is the service's report (``to_dict()``, the CLI's
``-o json``) inside a ResponseDto; the credentials answer the AWS CLI's
``credential_process`` document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from awsconn.api.harness_base import EpochMillis, HarnessModel
from awsconn.api.harness_connectors import ConnectorRequest

__all__ = [
    "CapabilityParameters",
    "ConnectorDocuments",
    "CredentialProcessOutput",
    "NamedPolicy",
    "PermissionCheckRequest",
    "PermissionDiffRequest",
    "PolicyEvaluateRequest",
    "PolicyGenerateRequest",
    "PolicyKind",
    "PolicyLintRequest",
    "PolicySimulateRequest",
    "TokenCreateRequest",
    "TokenRole",
    "TrustPolicyRequest",
]

PolicyKind = Literal["identity", "resource", "trust", "scp", "rcp", "endpoint"]
TokenRole = Literal["viewer", "editor", "admin", "delegate"]
"""``awsconn.service.access.Role``'s values (a test keeps them equal)."""


class NamedPolicy(HarnessModel):
    """A policy document; ``name`` labels it in reports (a file name on the CLI)."""

    document: dict[str, Any]
    name: str | None = None


class CapabilityParameters(HarnessModel):
    """Values for the capability templates; absent means any (``*``)."""

    bucket: str | None = None
    repository: str | None = None
    region: str | None = None
    account: str | None = None
    role: str | None = None


class PermissionCheckRequest(HarnessModel):
    """``permissions check``: does the connector's identity have what the uses need?"""

    capabilities: list[str] | None = None  # default: the connector's own capabilities
    parameters: CapabilityParameters | None = None
    policies: list[NamedPolicy] | None = None  # what-if: only these, as the principal's
    scps: list[NamedPolicy] | None = None
    resource_policy: NamedPolicy | None = None
    use_simulator: bool = True


class PermissionDiffRequest(HarnessModel):
    """``permissions diff``: which uses a new policy set gains or loses."""

    capabilities: list[str]
    what_if: list[NamedPolicy]
    parameters: CapabilityParameters | None = None
    scps: list[NamedPolicy] | None = None
    use_simulator: bool = True


class PolicyGenerateRequest(HarnessModel):
    """``permissions policy``: the least-privilege identity policy for some uses."""

    capabilities: list[str]
    parameters: CapabilityParameters | None = None


class TrustPolicyRequest(HarnessModel):
    """``permissions trust-policy``: a cross-account role's trust policy, or IRSA's.

    ``externalId: "generate"`` asks for a strong random one.
    """

    trusted_principal: str | None = None
    external_id: str | None = None
    oidc_provider: str | None = None
    service_account: str | None = None


class PolicyEvaluateRequest(HarnessModel):
    """``policy evaluate``: decide one request offline and explain it."""

    action: str
    resource: str = "*"
    principal: str | None = None
    resource_account: str | None = None
    policies: list[NamedPolicy] | None = None
    boundaries: list[NamedPolicy] | None = None
    scps: list[NamedPolicy] | None = None
    resource_policy: NamedPolicy | None = None
    session_policy: NamedPolicy | None = None
    context: dict[str, str | list[str]] | None = None
    unknown_keys: list[str] | None = None


class PolicySimulateRequest(HarnessModel):
    """``policy simulate``: run simulation cases (each as ``awsconn.iam.cases`` reads it)."""

    cases: list[dict[str, Any]]


class PolicyLintRequest(HarnessModel):
    """``policy lint``: check policies of one kind."""

    policies: list[NamedPolicy]
    kind: PolicyKind = "identity"


class TokenCreateRequest(HarnessModel):
    """A new API token in the scope of the query parameters; its value is answered once.

    When it expires: ``expiresAt`` (epoch ms), or ``expires`` as the CLI's ``--expires``
    takes it (``30d``, ``12h``, ``90m``, an ISO date or time, ``never``), not both;
    neither: 30 days.
    """

    name: str
    role: TokenRole
    access: bool = False  # connector:access besides the role (editors)
    expires_at: EpochMillis | None = None
    expires: str | None = None
    description: str | None = None


class ConnectorDocuments(RootModel[list[ConnectorRequest]]):
    """The JSON body of ``connectors/apply``: connector documents (``{"connector": ...}``),
    or one such document alone; as YAML, the documents one after the other (``---``)."""


class CredentialProcessOutput(BaseModel):
    """The AWS CLI ``credential_process`` document, in AWS's own PascalCase."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    version: Literal[1] = Field(default=1, alias="Version")
    access_key_id: str = Field(alias="AccessKeyId")
    secret_access_key: str = Field(alias="SecretAccessKey", repr=False)
    session_token: str | None = Field(default=None, alias="SessionToken", repr=False)
    expiration: str | None = Field(default=None, alias="Expiration")
