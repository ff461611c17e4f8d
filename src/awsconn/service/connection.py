"""Using a connector's AWS identity: connection tests, regions, credentials for other tools.

The connector and its decrypted secrets become an ``aws.sessions.SessionSpec`` here,
and nowhere else; secret values live only inside that spec and the AWS SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from awsconn.errors import (
    AwsconnError,
    AwsFailure,
    MasterKeyMismatch,
    MasterKeyMissing,
    NotFound,
    StoreCorrupt,
    StoreUnavailable,
)
from awsconn.model import Connector, EntityRef
from awsconn.service import connectors as connector_service
from awsconn.service.context import AppContext
from awsconn.service.delegation import Placement, place_locally

if TYPE_CHECKING:
    from awsconn.aws.connection_test import ConnectionTestResult
    from awsconn.aws.sessions import SessionSpec

__all__ = [
    "TestOutcome",
    "credential_process_output",
    "exec_environment",
    "list_regions",
    "session_spec",
    "test_all",
    "test_connector",
]


def _manual_keys(ctx: AppContext, connector: Connector) -> tuple[str, str, str | None]:
    """A ManualConfig connector's (access key id, secret key, session token), decrypted."""
    m = connector.credential.manual
    assert m is not None

    def reveal(ref: Any) -> str:
        target = ref.resolve(connector.scope)
        return ctx.secrets.reveal(
            org=target.scope.org, project=target.scope.project, identifier=target.identifier
        ).reveal_text()

    access_key = m.access_key if m.access_key is not None else reveal(m.access_key_ref)
    return (
        access_key.strip(),
        reveal(m.secret_key_ref).strip(),
        reveal(m.session_token_ref).strip() if m.session_token_ref else None,
    )


def session_spec(ctx: AppContext, connector: Connector) -> SessionSpec:
    """The runtime description of how to reach AWS as this connector (secrets decrypted)."""
    from awsconn.aws.sessions import Backoff, SessionSpec, StaticKeys

    cred = connector.credential
    keys = None
    if cred.manual is not None:
        access_key, secret_key, token = _manual_keys(ctx, connector)
        keys = StaticKeys(
            access_key_id=access_key, secret_access_key=secret_key, session_token=token
        )
    backoff = None
    if connector.backoff is not None:
        b = connector.backoff
        backoff = Backoff(
            kind=b.kind,  # type: ignore[arg-type]
            retry_count=b.retry_count,
            fixed_backoff_ms=b.fixed_backoff or 0,
            base_delay_ms=b.base_delay or 0,
            max_backoff_ms=b.max_backoff_time or 0,
        )
    return SessionSpec(
        connector=connector.ref.session_label(),
        credential_type=connector.credential_type.value,
        region=connector.region,
        static_keys=keys,
        role_arn=cred.cross_account.role_arn if cred.cross_account else None,
        external_id=cred.cross_account.external_id if cred.cross_account else None,
        backoff=backoff,
    )


@dataclass
class TestOutcome:
    """One connector's test: the AWS result, or why it was not run here, plus the check."""

    ref: EntityRef
    placement: Placement
    result: ConnectionTestResult | None = None
    permissions: Any = None  # a permissions report when capabilities were checked
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        if self.result is None or self.result.status != "SUCCESS":
            return False
        return self.permissions is None or bool(self.permissions.ok)

    def to_dict(self) -> dict[str, Any]:
        if self.result is None:
            return {
                "connector": str(self.ref),
                "status": "SKIPPED",
                "errors": [AwsFailure("DELEGATE_UNAVAILABLE", self.placement.reason).to_dict()],
            }
        out = self.result.to_dict()
        out["connector"] = str(self.ref)
        if self.placement.missing_selectors:
            out["ranHereDespiteSelectors"] = list(self.placement.missing_selectors)
        if self.permissions is not None:
            out["permissions"] = self.permissions.to_dict()
        out.update(self.extra)
        return out


def _spec_or_failure(ctx: AppContext, connector: Connector) -> SessionSpec | ConnectionTestResult:
    """The connector's session spec, or a FAILURE result when its secrets cannot be read.

    A secret deleted with --force (or sealed under a key no longer loaded) breaks this
    one connector: its test fails with NO_CREDENTIALS naming the setting, and a run over
    many connectors goes on with the others.
    """
    from awsconn.aws.connection_test import ConnectionTestResult, Identity

    try:
        return session_spec(ctx, connector)
    except AwsconnError as exc:
        missing = []
        for path, ref in connector.secret_refs().items():
            target = ref.resolve(connector.scope)
            if target is not None and not ctx.secrets.exists(
                org=target.scope.org, project=target.scope.project, identifier=target.identifier
            ):
                missing.append(f"{path}: secret {ref} not found in {target.scope.label()}")
        code = "NO_CREDENTIALS"
        if missing:
            message = "; ".join(missing)
            hint = (
                "create the secret again ('awsconn secret create ID', with --org/--project "
                "for its scope) or point the connector at an existing one"
            )
        else:
            message = f"the connector's secrets cannot be used: {exc.message}"
            hint = exc.hint or ""
            if isinstance(exc, MasterKeyMismatch | MasterKeyMissing | StoreCorrupt):
                code = exc.code  # the same code the other commands raise
        return ConnectionTestResult(
            connector=str(connector.ref),
            status="FAILURE",
            identity=Identity(),
            region=connector.region,
            tested_at=ctx.clock(),
            duration_ms=0,
            errors=(AwsFailure(code, message, hint),),
        )


def _record(ctx: AppContext, connector: Connector, result: ConnectionTestResult) -> None:
    with ctx.db.transaction() as tx:
        tx.connectors.record_test(
            org=connector.scope.org,
            project=connector.scope.project,
            identifier=connector.identifier,
            status=result.status,
            tested_at=result.tested_at,
            duration_ms=result.duration_ms,
            result=result.to_dict(),
        )


def test_connector(
    ctx: AppContext, ref: EntityRef, *, here: bool = False, timeout_s: float = 30.0
) -> TestOutcome:
    """Test one connector: who am I, then DescribeRegions in its test region; store the status."""
    from awsconn.aws.connection_test import run_connection_test
    from awsconn.aws.sessions import SessionSpec

    connector = connector_service.get(ctx, ref).connector
    placement = place_locally(connector, ctx.delegate_tags, here=here)
    placement.require()
    spec = _spec_or_failure(ctx, connector)
    if isinstance(spec, SessionSpec):
        result = run_connection_test(spec, ctx.sessions, timeout_s=timeout_s, clock=ctx.clock)
    else:
        result = spec
    result = replace(result, connector=str(ref))
    outcome = TestOutcome(ref, placement, result)
    try:
        _record(ctx, connector, result)
    except StoreUnavailable as exc:  # e.g. another process held the write lock throughout
        outcome.extra["notRecorded"] = exc.message
    return outcome


def test_all(
    ctx: AppContext,
    refs: Sequence[EntityRef] | None = None,
    *,
    here: bool = False,
    concurrency: int = 16,
    timeout_s: float = 30.0,
    on_outcome: Callable[[TestOutcome], None] | None = None,
) -> list[TestOutcome]:
    """Test many connectors at once (shared SDK models, overlapped waits).

    Each result is stored as soon as its test ends, so an interrupted run keeps what it
    finished; ``on_outcome`` sees every outcome as it is settled (skipped ones first).
    """
    from awsconn.aws.connection_test import run_connection_tests
    from awsconn.aws.sessions import SessionSpec

    if refs is None:
        connectors = [v.connector for v in connector_service.list_connectors(ctx)]
    else:
        connectors = [connector_service.get(ctx, r).connector for r in refs]
    outcomes: list[TestOutcome] = []
    runnable: list[tuple[Connector, TestOutcome]] = []
    for c in connectors:
        placement = place_locally(c, ctx.delegate_tags, here=here)
        outcome = TestOutcome(c.ref, placement)
        outcomes.append(outcome)
        if placement.runs_here:
            runnable.append((c, outcome))
        elif on_outcome is not None:
            on_outcome(outcome)

    def settle(connector: Connector, outcome: TestOutcome, result: ConnectionTestResult) -> None:
        outcome.result = replace(result, connector=str(connector.ref))
        try:
            _record(ctx, connector, outcome.result)
        except NotFound:  # deleted while its test ran: nothing to store it on
            outcome.extra["notRecorded"] = "the connector was deleted during the test"
        except StoreUnavailable as exc:  # the write lock held by another process throughout
            outcome.extra["notRecorded"] = exc.message
        if on_outcome is not None:
            on_outcome(outcome)

    pending: list[tuple[Connector, TestOutcome]] = []
    specs: list[SessionSpec] = []
    for c, outcome in runnable:
        ready = _spec_or_failure(ctx, c)
        if isinstance(ready, SessionSpec):
            pending.append((c, outcome))
            specs.append(ready)
        else:
            settle(c, outcome, ready)
    run_connection_tests(
        specs,
        ctx.sessions,
        concurrency=concurrency,
        timeout_s=timeout_s,
        clock=ctx.clock,
        on_result=lambda i, result: settle(*pending[i], result),
    )
    return outcomes


def _runnable(ctx: AppContext, ref: EntityRef, here: bool) -> tuple[Connector, Placement]:
    connector = connector_service.get(ctx, ref).connector
    placement = place_locally(connector, ctx.delegate_tags, here=here)
    placement.require()
    return connector, placement


def list_regions(
    ctx: AppContext, ref: EntityRef, *, here: bool = False, timeout_s: float = 30.0
) -> list[str]:
    """The regions DescribeRegions returns for this connector, in its test region."""
    connector, _ = _runnable(ctx, ref, here)
    return ctx.sessions.list_regions(session_spec(ctx, connector), timeout_s=timeout_s)


def credential_process_output(
    ctx: AppContext, ref: EntityRef, *, here: bool = False, timeout_s: float = 30.0
) -> dict[str, Any]:
    """AWS CLI ``credential_process`` JSON (Version 1) for this connector's credentials."""
    connector, _ = _runnable(ctx, ref, here)
    if connector.credential.manual is not None and connector.credential.cross_account is None:
        # Stored keys and no role to assume: nothing to ask AWS, so no SDK to load.
        key, secret, token = _manual_keys(ctx, connector)
        keys: dict[str, Any] = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
        if token:
            keys["SessionToken"] = token
        return keys
    key, secret, token, expiration = ctx.sessions.frozen_credentials(
        session_spec(ctx, connector), timeout_s=timeout_s
    )
    out: dict[str, Any] = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
    if token:
        out["SessionToken"] = token
    if expiration is not None:
        out["Expiration"] = expiration.isoformat().replace("+00:00", "Z")
    return out


def exec_environment(
    ctx: AppContext,
    ref: EntityRef,
    base: dict[str, str],
    *,
    here: bool = False,
    timeout_s: float = 30.0,
) -> dict[str, str]:
    """``base`` with the connector's credentials and region, ambient AWS settings removed."""
    creds = credential_process_output(ctx, ref, here=here, timeout_s=timeout_s)
    connector = connector_service.get(ctx, ref).connector
    env = {
        k: v
        for k, v in base.items()
        if k
        not in {
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        }
    }
    env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
    env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
    if "SessionToken" in creds:
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    env["AWS_REGION"] = connector.region
    env["AWS_DEFAULT_REGION"] = connector.region
    return env
