"""Harness's connector shapes: ConnectorInfo and the AWS spec, responses, tests, filters.

Shapes and types as Harness's NG client declares them (``schemas/*.d.ts``): what is
required there is required here, enums are Literals, timestamps epoch-ms ints. The
rules (identifier syntax, known regions, role ARNs, secret references, which fields go
with which credential type) are not repeated here: ``awsconn.model.harness_yaml``
checks them once, with every problem at its path, for the CLI and the API alike.

One difference from the .d.ts: ``ConnectorConfig.connectorType`` is marked required
there, an artefact of the OpenAPI discriminator; Harness's documents carry the type on
``ConnectorInfo.type`` and never in the spec, so it is optional here and never written.

awsconn's extra fields, all optional: ``AwsConnector.capabilities`` (the uses the
connector is for), ``CrossAccountAccess.chain`` (further roles of a role chain),
``ConnectorFilterProperties.credentialTypes``, ``ConnectorResponse.version`` (the
stored version), and the connection test's richer outcome on
``ConnectorValidationResult`` and ``ErrorDetail``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, field_validator

from awsconn.api.harness_base import (
    EpochMillis,
    HarnessModel,
    Int32,
    Int64,
    OpenHarnessModel,
    spec_for_type,
)

__all__ = [
    "AwsConnector",
    "AwsCredential",
    "AwsCredentialSpec",
    "AwsCredentialType",
    "AwsEqualJitterBackoffStrategy",
    "AwsFixedDelayBackoffStrategy",
    "AwsFullJitterBackoffStrategy",
    "AwsManualConfigSpec",
    "AwsOidcSpec",
    "AwsSdkBackOffStrategySpec",
    "AwsSdkClientBackoffStrategy",
    "BackoffStrategyType",
    "ConnectionIdentity",
    "ConnectivityStatus",
    "ConnectorActivityDetails",
    "ConnectorCategory",
    "ConnectorConfig",
    "ConnectorConnectivityDetails",
    "ConnectorFilterProperties",
    "ConnectorInfo",
    "ConnectorRequest",
    "ConnectorResponse",
    "ConnectorType",
    "ConnectorValidationResult",
    "CrossAccountAccess",
    "EntityGitDetails",
    "ErrorDetail",
]

ConnectorType = Literal[
    "AppDynamics", "Artifactory", "Aws", "AwsKms", "AwsSecretManager", "Azure",
    "AzureArtifacts", "AzureKeyVault", "AzureRepo", "Bamboo", "Bitbucket", "CEAws", "CEAzure",
    "CEK8sCluster", "Codecommit", "Confluence", "CustomHealth", "CustomSecretManager",
    "Datadog", "DockerRegistry", "Dynatrace", "ElasticSearch", "ErrorTracking", "Gcp",
    "GcpCloudCost", "GcpKms", "GcpSecretManager", "Git", "Github", "Gitlab", "Harness",
    "HttpHelmRepo", "JDBC", "Jenkins", "Jira", "K8sCluster", "Local", "MsTeams", "NewRelic",
    "Nexus", "OciHelmRepo", "PagerDuty", "Pdc", "Prometheus", "Rancher", "ServiceNow",
    "SignalFX", "Slack", "Splunk", "Spot", "SumoLogic", "Tas", "TerraformCloud", "Vault", "Zoom",
]  # fmt: skip
"""Every connector type Harness knows; awsconn stores ``Aws`` only."""

ConnectorCategory = Literal[
    "ARTIFACTORY", "CLOUD_COST", "CLOUD_PROVIDER", "CODE_REPO", "COMMUNICATION", "DATABASE",
    "DOCUMENTATION", "MONITORING", "SECRET_MANAGER", "TICKETING",
]  # fmt: skip

ConnectivityStatus = Literal["FAILURE", "PARTIAL", "PENDING", "SUCCESS", "UNKNOWN"]

AwsCredentialType = Literal["InheritFromDelegate", "Irsa", "ManualConfig", "OidcAuthentication"]

BackoffStrategyType = Literal[
    "EqualJitterBackoffStrategy", "FixedDelayBackoffStrategy", "FullJitterBackoffStrategy"
]


# --- the AWS connector's spec ---------------------------------------------------------------


class AwsCredentialSpec(OpenHarnessModel):
    """A credential spec of a type without one of its own (Harness: any keys)."""


class AwsManualConfigSpec(AwsCredentialSpec):
    """ManualConfig: the access key id as text or a secret, the secret key (and session
    token) as secret references; values never appear in a connector."""

    access_key: str | None = None
    access_key_ref: str | None = None
    secret_key_ref: str | None = None
    session_token_ref: str | None = None


class AwsOidcSpec(AwsCredentialSpec):
    """OidcAuthentication: the role assumed with the ID token awsconn's OIDC issuer signs;
    ``audience`` is awsconn's extension (the token's ``aud``, default sts.amazonaws.com)."""

    iam_role_arn: str | None = None
    audience: str | None = None


class RoleHop(HarnessModel):
    """awsconn: one further role of a chain."""

    role_arn: str
    external_id: str | None = None


class CrossAccountAccess(HarnessModel):
    """The role assumed on top of the base credentials, with its optional External ID;
    ``chain`` (awsconn's extension): further roles assumed one after the other."""

    cross_account_role_arn: str
    external_id: str | None = None
    chain: list[RoleHop] | None = None


class AwsCredential(HarnessModel):
    type: AwsCredentialType
    cross_account_access: CrossAccountAccess | None = None
    region: str | None = None
    spec: AwsManualConfigSpec | AwsOidcSpec | AwsCredentialSpec | None = None

    @field_validator("spec", mode="wrap")
    @classmethod
    def _spec_of_type(cls, value: Any, _handler: Any, info: ValidationInfo) -> Any:
        variants: dict[str, type[HarnessModel]] = {
            "ManualConfig": AwsManualConfigSpec,
            "OidcAuthentication": AwsOidcSpec,
        }
        return spec_for_type(value, info, variants, AwsCredentialSpec)


class AwsSdkBackOffStrategySpec(OpenHarnessModel):
    """A backoff strategy's spec; times in milliseconds (Harness: any keys)."""


class AwsEqualJitterBackoffStrategy(AwsSdkBackOffStrategySpec):
    base_delay: Int64 | None = None
    max_backoff_time: Int64 | None = None
    retry_count: Int32 | None = None


class AwsFullJitterBackoffStrategy(AwsSdkBackOffStrategySpec):
    base_delay: Int64 | None = None
    max_backoff_time: Int64 | None = None
    retry_count: Int32 | None = None


class AwsFixedDelayBackoffStrategy(AwsSdkBackOffStrategySpec):
    fixed_backoff: Int64 | None = None
    retry_count: Int32 | None = None


_BACKOFF_SPECS: dict[str, type[AwsSdkBackOffStrategySpec]] = {  # by BackoffStrategyType
    "EqualJitterBackoffStrategy": AwsEqualJitterBackoffStrategy,
    "FixedDelayBackoffStrategy": AwsFixedDelayBackoffStrategy,
    "FullJitterBackoffStrategy": AwsFullJitterBackoffStrategy,
}


class AwsSdkClientBackoffStrategy(HarnessModel):
    """``awsSdkClientBackOffStrategyOverride``: how the AWS SDK retries."""

    type: BackoffStrategyType
    spec: (
        AwsEqualJitterBackoffStrategy
        | AwsFixedDelayBackoffStrategy
        | AwsFullJitterBackoffStrategy
        | AwsSdkBackOffStrategySpec
        | None
    ) = None

    @field_validator("spec", mode="wrap")
    @classmethod
    def _spec_of_type(cls, value: Any, _handler: Any, info: ValidationInfo) -> Any:
        return spec_for_type(value, info, _BACKOFF_SPECS, AwsSdkBackOffStrategySpec)


class ConnectorConfig(OpenHarnessModel):
    """The spec of a connector of a type other than Aws, kept as it came."""

    connector_type: str | None = None


class AwsConnector(HarnessModel):
    """The spec of an ``Aws`` connector."""

    connector_type: str | None = None
    credential: AwsCredential | None = None
    aws_sdk_client_back_off_strategy_override: AwsSdkClientBackoffStrategy | None = None
    delegate_selectors: list[str] | None = None
    execute_on_delegate: bool | None = None
    ignore_test_connection: bool | None = None
    proxy: bool | None = None
    # awsconn's extra field: the uses this connector is for (capability names)
    capabilities: list[str] | None = None


# --- the connector and what the API answers about it ----------------------------------------


class ConnectorInfo(HarnessModel):
    """A connector as Harness's API carries it (the body of ``connector:`` in YAML)."""

    identifier: str
    name: str
    type: ConnectorType
    account_identifier: str | None = None
    org_identifier: str | None = None
    project_identifier: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None
    spec: AwsConnector | ConnectorConfig

    @field_validator("spec", mode="wrap")
    @classmethod
    def _spec_of_type(cls, value: Any, _handler: Any, info: ValidationInfo) -> Any:
        return spec_for_type(value, info, {"Aws": AwsConnector}, ConnectorConfig)


class ConnectorRequest(HarnessModel):
    """The body of create and update (Harness's ``Connector``): ``{"connector": ...}``."""

    connector: ConnectorInfo | None = None


class ErrorDetail(HarnessModel):
    """One error of a connection test.

    awsconn fills it as: ``reason`` = its taxonomy code (ASSUME_ROLE_FAILED, ...),
    ``message`` = the hint (what to change), ``code`` = 450 (Harness's code for an error
    outside its own catalogue; scripts tell errors apart by ``reason``). Extra fields:
    ``detailedMessage`` (what failed), ``awsErrorCode`` and ``requestId`` (AWS's).
    """

    code: Int32 | None = None
    message: str | None = None
    reason: str | None = None
    # awsconn's extra fields
    detailed_message: str | None = None
    aws_error_code: str | None = None
    request_id: str | None = None


class ConnectorConnectivityDetails(HarnessModel):
    """The connector's last known connectivity (``ConnectorResponse.status``)."""

    status: ConnectivityStatus | None = None
    error_summary: str | None = None
    errors: list[ErrorDetail] | None = None
    last_alert_sent: EpochMillis | None = None
    last_connected_at: EpochMillis | None = None
    last_tested_at: EpochMillis | None = None
    tested_at: EpochMillis | None = None


class ConnectorActivityDetails(HarnessModel):
    last_activity_time: EpochMillis | None = None


class EntityGitDetails(HarnessModel):
    """Harness's validity details of a Git-synced entity (awsconn stores none)."""

    invalid_yaml: str | None = None
    valid: bool | None = None


class ConnectorResponse(HarnessModel):
    """A stored connector with its bookkeeping: what get, list, create and update answer."""

    connector: ConnectorInfo | None = None
    created_at: EpochMillis | None = None
    last_modified_at: EpochMillis | None = None
    status: ConnectorConnectivityDetails | None = None
    activity_details: ConnectorActivityDetails | None = None
    entity_validity_details: EntityGitDetails | None = None
    git_details: EntityGitDetails | None = None
    governance_metadata: dict[str, Any] | None = None
    harness_managed: bool | None = None
    is_favorite: bool | None = None
    # awsconn's extra field: the stored version (also the ETag; If-Match on update)
    version: Int64 | None = None


class ConnectionIdentity(HarnessModel):
    """awsconn: who the credentials are (STS GetCallerIdentity) and how they were found."""

    account: str | None = None
    arn: str | None = None
    partition: str | None = None
    credential_method: str | None = None
    role_chain: list[str] | None = None


class ConnectorValidationResult(HarnessModel):
    """What testConnection answers.

    Harness's fields, then awsconn's extra ones: ``identity``, ``region`` (the test
    region), ``durationMs``, ``connector`` (its reference), ``notRecorded`` (why the
    result could not be stored), ``ranHereDespiteSelectors``, ``permissions`` (the
    permission check's report when capabilities were checked) and ``delegateName`` (the
    delegate ``delegateId`` names, when one ran it as task ``taskId``).
    """

    status: ConnectivityStatus | None = None
    delegate_id: str | None = None
    error_summary: str | None = None
    errors: list[ErrorDetail] | None = None
    task_id: str | None = None
    tested_at: EpochMillis | None = None
    # awsconn's extra fields
    connector: str | None = None
    identity: ConnectionIdentity | None = None
    region: str | None = None
    duration_ms: Int64 | None = None
    not_recorded: str | None = None
    ran_here_despite_selectors: list[str] | None = None
    permissions: dict[str, Any] | None = None
    delegate_name: str | None = None


class ConnectorFilterProperties(HarnessModel):
    """The body of ``POST /connectors/listV2``.

    ``filterType`` is ``Connector``; awsconn adds ``credentialTypes`` (match any) and
    ``tagKeys`` (tags present with any value; ``tags`` match key and value).
    """

    filter_type: Literal["Connector"] | None = None
    categories: list[ConnectorCategory] | None = None
    connectivity_statuses: list[ConnectivityStatus] | None = None
    connector_connectivity_modes: list[Literal["DELEGATE", "MANAGER"]] | None = None
    connector_identifiers: list[str] | None = None
    connector_names: list[str] | None = None
    description: str | None = None
    inheriting_credentials_from_delegate: bool | None = None
    tags: dict[str, str] | None = None
    types: list[ConnectorType] | None = None
    # awsconn's extra fields
    credential_types: list[AwsCredentialType] | None = None
    tag_keys: list[str] | None = None
