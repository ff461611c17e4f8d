"""Harness's delegate shapes: delegate tokens and the delegate list.

``/ng/api/delegate-token-ng`` (create with ``?tokenName=``, list, revoke with PUT) answers
``RestResponse[DelegateTokenDetails]`` (a list for the listing); ``POST
/ng/api/delegate-setup/listDelegates`` takes a :class:`DelegateFilterPropertiesDto` and
answers ``RestResponse[list[DelegateListResponse]]``. Harness answers these with its older
``RestResponse`` envelope, not ``ResponseDto``; awsconn keeps that, so scripts read
``resource`` as they do against Harness.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from awsconn.api.harness_base import EpochMillis, HarnessModel

__all__ = [
    "DelegateFilterPropertiesDto",
    "DelegateListResponse",
    "DelegateReplica",
    "DelegateTokenDetails",
    "DelegateTokenStatus",
    "EmbeddedUser",
    "FilterType",
    "Principal",
]

DelegateTokenStatus = Literal["ACTIVE", "REVOKED"]

FilterType = Literal[
    "Anomaly", "Audit", "Autocud", "CCMRecommendation", "Connector", "Delegate",
    "DelegateProfile", "Deployment", "Environment", "EnvironmentGroup", "FileStore", "InputSet",
    "Override", "PipelineExecution", "PipelineSetup", "RIInventory", "RuleExecution",
    "SPInventory", "Secret", "Template", "Trigger", "Webhook",
]  # fmt: skip
"""Every filter type Harness knows; a delegate filter says ``Delegate``."""


class EmbeddedUser(HarnessModel):
    email: str | None = None
    external_user_id: str | None = None
    name: str | None = None
    uuid: str | None = None


class Principal(HarnessModel):
    """Who did it: a user, a service account, an API key or a service."""

    name: str
    type: Literal["API_KEY", "SERVICE", "SERVICE_ACCOUNT", "USER"]
    jwtclaims: dict[str, str] | None = None


class DelegateTokenDetails(HarnessModel):
    """A delegate token; ``value`` is hidden from repr (awsconn answers it once, when the
    token is created: only its hash is stored).

    Harness's fields, then awsconn's extra ones: ``prefix`` (the token's first characters,
    to recognise it), ``description``, ``revokedAt`` (absent for a token that expired
    rather than being revoked: both are ``REVOKED`` in Harness's status) and
    ``lastUsedAt``.
    """

    account_id: str | None = None
    created_at: EpochMillis | None = None
    created_by: EmbeddedUser | None = None
    created_by_ng_user: Principal | None = None
    name: str | None = None
    owner_identifier: str | None = None
    parent_unique_id: str | None = None
    revoke_after: EpochMillis | None = None
    status: DelegateTokenStatus | None = None
    uuid: str | None = None
    value: str | None = Field(default=None, repr=False)
    # awsconn's extra fields
    prefix: str | None = None
    description: str | None = None
    revoked_at: EpochMillis | None = None
    last_used_at: EpochMillis | None = None


class DelegateFilterPropertiesDto(HarnessModel):
    """The body of listDelegates; every field narrows the list."""

    filter_type: FilterType
    delegate_group_identifier: str | None = None
    delegate_instance_filter: Literal["AVAILABLE", "EXPIRED"] | None = None
    delegate_name: str | None = None
    delegate_tags: list[str] | None = None
    delegate_type: str | None = None
    description: str | None = None
    host_name: str | None = None
    status: (
        Literal[
            "CONNECTED", "DELETED", "DISABLED", "DISCONNECTED", "ENABLED", "WAITING_FOR_APPROVAL"
        ]
        | None
    ) = None
    tags: dict[str, str] | None = None


class DelegateReplica(HarnessModel):
    """One running instance of a delegate.

    Harness's fields, then awsconn's extra ones: the instance's ``tags`` and
    ``capabilities``, its ``status`` (connected, initializing, init-failed, silent,
    disconnected) and the ``reason`` it is not connected, how its init script ended
    (``initStatus``, ``initExitCode``, ``initOutput``: the end of its output) and the
    tasks it runs (``runningTasks``).
    """

    connected: bool | None = None
    expiring_at: EpochMillis | None = None
    host_name: str | None = None
    last_heartbeat: EpochMillis | None = None
    uuid: str | None = None
    version: str | None = None
    # awsconn's extra fields
    tags: list[str] | None = None
    capabilities: list[str] | None = None
    status: str | None = None
    reason: str | None = None
    init_status: str | None = None
    init_exit_code: int | None = None
    init_output: str | None = None
    running_tasks: list[str] | None = None


class DelegateListResponse(HarnessModel):
    """One delegate (group) of listDelegates, with its replicas."""

    auto_upgrade: Literal["DETECTING", "OFF", "ON"] | None = None
    connected: bool | None = None
    delegate_replicas: list[DelegateReplica] | None = None
    description: str | None = None
    last_heart_beat: EpochMillis | None = None
    legacy: bool | None = None
    name: str | None = None
    org_name: str | None = None
    project_name: str | None = None
    tags: list[str] | None = None
    type: str | None = None
