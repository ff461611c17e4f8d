"""Results of connectors, connection tests, permission checks and tasks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, model_validator

from awsconn.errors import AwsFailure
from awsconn.model.results.wire import Timestamp, WireModel, is_empty, is_none
from awsconn.model.results.wire import optional as _optional
from awsconn.model.results.wire import unless_empty as _unless_empty

__all__ = [
    "ActionCheckResult",
    "ActionRef",
    "AppliedConnector",
    "AwsCredentials",
    "CapabilityChange",
    "CapabilityReport",
    "CheckNotRun",
    "ConnectionTestOutcome",
    "ConnectorDetail",
    "ConnectorPage",
    "ConnectorSummary",
    "DependentAction",
    "Failure",
    "FieldChange",
    "HistoryEntry",
    "Identity",
    "PermissionCheckFailed",
    "PermissionDiff",
    "PermissionReport",
    "PolicyUsed",
    "RegionList",
    "ReportPrincipal",
    "RequestContextReport",
    "SecretMetadata",
    "Task",
    "TaskKind",
    "TaskState",
]


# -- failures and identities ---------------------------------------------------------


class Failure(WireModel):
    """A classified failure: a taxonomy code, what happened, what to change, AWS's ids."""

    code: str
    message: str
    hint: str = ""
    aws_error_code: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, failure: AwsFailure) -> Failure:
        return cls(
            code=failure.code,
            message=failure.message,
            hint=failure.hint,
            aws_error_code=failure.aws_error_code,
            request_id=failure.request_id,
        )


class Identity(WireModel):
    """Who the connector's credentials are (from GetCallerIdentity), and how they were found."""

    account: str | None = None
    arn: str | None = None
    partition: str | None = None
    credential_method: str | None = None
    role_chain: list[str] = _unless_empty()
    """The roles assumed in order, for a connector with a role chain (``chain``)."""


# -- connectors ----------------------------------------------------------------------


class ConnectorSummary(WireModel):
    """One stored connector in a listing: where it lives, what it is, its last test."""

    ref: str
    identifier: str
    name: str
    scope: Literal["account", "org", "project"]
    org: str | None
    project: str | None
    type: str
    region: str
    cross_account_role_arn: str | None
    tags: dict[str, str]
    delegate_selectors: list[str]
    proxy: bool
    ignore_test_connection: bool
    version: int
    last_status: str | None
    last_tested_at: Timestamp | None
    last_success_at: Timestamp | None
    created_at: Timestamp | None = _optional()
    updated_at: Timestamp | None = _optional()
    """When it was created and last changed (absent where the store did not say)."""


class ConnectorDetail(WireModel):
    """One connector: its canonical Harness document (the ``connector`` body) and status."""

    connector: dict[str, JsonValue]
    status: ConnectorSummary


class ConnectorPage(WireModel):
    """One page of a scope's connectors (by identifier) and how many match in all."""

    items: list[ConnectorDetail]
    page_index: int
    page_size: int
    total_items: int


class FieldChange(WireModel):
    """One field a write changes, at its YAML path; ``old``/``new`` are absent when the
    field is added/removed. A secret reference is shown as the reference it is."""

    path: str
    old: JsonValue = _optional()
    new: JsonValue = _optional()
    secret_reference: bool = Field(default=False, exclude_if=is_empty)


class AppliedConnector(WireModel):
    """What a write did (or, in a dry run, would do) to one connector."""

    ref: str
    action: Literal["created", "updated", "unchanged"]
    dry_run: bool
    version: int | None = _optional()
    """The version written; absent in a dry run."""
    changes: list[FieldChange] | None = _optional()
    """Field by field, for an update."""


class SecretMetadata(WireModel):
    """A secret's metadata: there is no field for the value, by construction.

    ``version`` and ``key_id`` are None only where a server's answer did not say
    (Harness's secret shape has no place for them); the local store always does.
    """

    ref: str
    identifier: str
    org: str | None
    project: str | None
    description: str
    version: int | None
    key_id: str | None
    created_at: Timestamp
    updated_at: Timestamp


# -- connection tests ----------------------------------------------------------------


class HistoryEntry(WireModel):
    """One connection test as stored: who the credentials were, where, how it ended."""

    connector: str
    status: Literal["SUCCESS", "FAILURE"]
    identity: Identity
    region: str
    tested_at: Timestamp
    duration_ms: int
    errors: list[Failure] = Field(default_factory=list)


class RegionList(WireModel):
    """The regions DescribeRegions returns for a connector in its test region."""

    connector: str
    region: str
    regions: list[str]


class AwsCredentials(WireModel):
    """A connector's credentials in the AWS CLI ``credential_process`` form (Version 1)."""

    version: Literal[1] = Field(default=1, alias="Version")
    access_key_id: str = Field(alias="AccessKeyId")
    secret_access_key: str = Field(alias="SecretAccessKey", repr=False)
    session_token: str | None = Field(
        default=None, alias="SessionToken", repr=False, exclude_if=is_none
    )
    expiration: Timestamp | None = Field(default=None, alias="Expiration", exclude_if=is_none)


# -- permission checks ---------------------------------------------------------------

PermissionStatus = Literal["GRANTED", "NOT_GRANTED", "DEPENDS"]


class ActionCheckResult(WireModel):
    """One concrete action on one resource: the engine's decision and what made it.

    ``decidedBy``, ``conditional`` and ``nearMisses`` are the engine's explanations of
    the statements involved (JSON objects, as ``policy evaluate`` shows them).
    """

    action: str
    resource: str
    decision: Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Depends"]
    status: PermissionStatus
    depends_on: list[str] = Field(default_factory=list)
    decided_by: list[dict[str, JsonValue]] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    possible: list[str] | None = _optional()
    """For DEPENDS: the worst and the best decision the unknown keys allow."""
    conditional: list[dict[str, JsonValue]] = _unless_empty()
    near_misses: list[dict[str, JsonValue]] = _unless_empty()


class CapabilityReport(WireModel):
    """One capability: GRANTED (every action), NOT_GRANTED (some action is not), or
    DEPENDS; ``identity`` says whose permissions were checked."""

    capability: str
    status: PermissionStatus
    depends_on: list[str]
    identity: Literal["connector", "base"]
    granted: int
    required: int
    actions: list[ActionCheckResult]


class ReportPrincipal(WireModel):
    """Who a check evaluated: the caller's identity (live) or a given principal (what-if)."""

    arn: str | None
    account: str | None = _optional()
    partition: str | None = _optional()
    kind: str | None = _optional()
    name: str | None = _optional()
    principal_arn: str | None = _optional()
    user_id: str | None = _optional()
    source: str | None = _optional()
    method: str | None = _optional()


class RequestContextReport(WireModel):
    """The request context a check used for one identity: keys filled, keys known absent."""

    principal: str | None
    filled: dict[str, str]
    known_absent: list[str]
    assume_role_external_id: str | None = _optional()
    principal_source: str | None = _optional()


class PolicyUsed(WireModel):
    """A policy document that took part in a check, and its layer."""

    label: str
    layer: str
    source: str | None = _optional()
    identity: str | None = _optional()


class PermissionReport(WireModel):
    """A whole permission check: who, how, with which parameters, per capability, and
    the exact policy that would grant what is missing."""

    ok: bool
    status: PermissionStatus
    depends_on: list[str]
    method: str
    principal: ReportPrincipal | None
    parameters: dict[str, str]
    defaults: dict[str, str]
    summary: dict[str, PermissionStatus]
    capabilities: list[CapabilityReport]
    missing_policy: dict[str, JsonValue] | None
    explicit_denies: list[ActionCheckResult]
    policies: list[PolicyUsed]
    notes: list[str]
    context: dict[str, RequestContextReport]
    base_principal: ReportPrincipal | None = _optional()


class CheckNotRun(WireModel):
    checked: Literal[False] = False


class PermissionCheckFailed(WireModel):
    """The permission check after a connection test could not run (e.g. the identity may
    not read its own policies); the test reports it instead of aborting."""

    summary: CheckNotRun = Field(default_factory=CheckNotRun)
    error: Failure

    @property
    def ok(self) -> bool:
        return False


class ActionRef(WireModel):
    action: str
    resource: str


class DependentAction(WireModel):
    action: str
    resource: str
    depends_on: list[str]


class CapabilityChange(WireModel):
    """One capability before and after switching policies: what it gains and loses."""

    capability: str
    before: PermissionStatus
    after: PermissionStatus
    change: Literal["same", "gains", "loses", "changes", "depends"]
    gained: list[ActionRef]
    lost: list[ActionRef]
    depends: list[DependentAction]
    """Granted now, but after the switch only depending on unknown keys."""


class PermissionDiff(WireModel):
    """Before switching to a new policy set: ``ok`` when it surely keeps everything."""

    ok: bool
    changes: list[CapabilityChange]
    before: PermissionReport
    after: PermissionReport


class ConnectionTestOutcome(WireModel):
    """One connector's test: its result (SUCCESS, FAILURE), or why it was not run
    (SKIPPED: it needs a delegate that is not here; NOT_TESTED: the connector asks not
    to be tested), with the permission check when one was asked for."""

    connector: str
    status: Literal["SUCCESS", "FAILURE", "SKIPPED", "NOT_TESTED"]
    identity: Identity | None = _optional()
    region: str | None = _optional()
    tested_at: Timestamp | None = _optional()
    duration_ms: int | None = _optional()
    errors: list[Failure] | None = _optional()
    reason: str | None = _optional()
    message: str | None = _optional()
    ran_here_despite_selectors: list[str] = _unless_empty()
    """Selectors this machine lacks, when the local-identity override ran it anyway."""
    permissions: PermissionReport | PermissionCheckFailed | None = _optional()
    not_recorded: str | None = _optional()
    """Why the result was not stored (the store was locked, the connector deleted)."""
    delegate_id: str | None = _optional()
    delegate_name: str | None = _optional()
    """The delegate that ran it (a server's test of a connector that needs a delegate)."""
    task_id: str | None = _optional()
    """The task it ran as (a server's test of a connector that needs a delegate)."""

    @property
    def ok(self) -> bool:
        """Not a failure: SUCCESS with every permission checked granted, or NOT_TESTED."""
        if self.status == "NOT_TESTED":
            return True
        if self.status != "SUCCESS":
            return False
        return self.permissions is None or self.permissions.ok


# -- tasks ---------------------------------------------------------------------------

TaskKind = Literal["connection-test", "regions", "permission-check", "credentials"]
TaskState = Literal["queued", "running", "succeeded", "failed", "expired", "cancelled"]
TaskResult = ConnectionTestOutcome | RegionList | PermissionReport | AwsCredentials

_RESULT_OF: dict[str, type[WireModel]] = {
    "connection-test": ConnectionTestOutcome,
    "regions": RegionList,
    "permission-check": PermissionReport,
    "credentials": AwsCredentials,
}
_TERMINAL = frozenset({"succeeded", "failed", "expired", "cancelled"})


class Task(WireModel):
    """A connector's work handed to a delegate: queued, then running (owned by one
    delegate, ``attempt`` counting how often it was taken), then succeeded with the
    result of its kind, or failed / expired with an error, or cancelled."""

    id: str
    kind: TaskKind
    connector: str
    state: TaskState
    created_at: Timestamp
    deadline: Timestamp
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    owner: str | None = None
    """The delegate that holds (or last held) the task."""
    attempt: int = Field(default=0, ge=0)
    result: TaskResult | None = None
    error: Failure | None = None

    @model_validator(mode="before")
    @classmethod
    def _result_of_its_kind(cls, data: Any) -> Any:
        """Read ``result`` as the model of the task's kind (no guessing among them)."""
        if isinstance(data, dict) and isinstance(data.get("result"), dict):
            model = _RESULT_OF.get(str(data.get("kind")))
            if model is not None:
                data = {**data, "result": model.model_validate(data["result"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Task:
        expected = _RESULT_OF[self.kind]
        if self.result is not None and not isinstance(self.result, expected):
            raise ValueError(f"a {self.kind} task's result is a {expected.__name__}")
        if (self.state == "succeeded") != (self.result is not None):
            raise ValueError("a task has a result exactly when it succeeded")
        if self.state in ("failed", "expired") and self.error is None:
            raise ValueError(f"a {self.state} task says why (error)")
        if self.state in ("queued", "running", "succeeded") and self.error is not None:
            raise ValueError(f"a {self.state} task has no error")
        if self.state == "running" and (self.started_at is None or self.owner is None):
            raise ValueError("a running task has an owner and a start time")
        if (self.state in _TERMINAL) != (self.finished_at is not None):
            raise ValueError("a task has a finish time exactly when it has ended")
        return self

    @property
    def ended(self) -> bool:
        return self.state in _TERMINAL
