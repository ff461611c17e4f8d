"""Using a connector's AWS identity: connection tests, regions, credentials for other tools.

The connector and its decrypted secrets become an ``aws.session_spec.SessionSpec`` here,
and nowhere else; secret values live only inside that spec and the AWS SDK.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from awsconn.aws.redaction import Redactor
from awsconn.errors import (
    AwsCallFailed,
    AwsconnError,
    AwsFailure,
    InternalError,
    MasterKeyMismatch,
    MasterKeyMissing,
    NotFound,
    StoreCorrupt,
    StoreUnavailable,
)
from awsconn.model import Connector, EntityRef, SecretRef
from awsconn.service import connectors as connector_service
from awsconn.service.context import AppContext
from awsconn.service.core_dumps import forbid_core_dumps
from awsconn.service.delegation import Placement, place_locally
from awsconn.timeouts import CREDENTIALS_TIMEOUT, REGIONS_TIMEOUT, TEST_TIMEOUT

if TYPE_CHECKING:
    from awsconn.aws.connectivity import ConnectionTestResult
    from awsconn.aws.session_spec import SessionSpec, StaticKeys

__all__ = [
    "ConnectivityOutcome",
    "credential_process_output",
    "exec_environment",
    "list_regions",
    "run_all_tests",
    "run_connector_test",
    "session_spec",
]


def session_spec(ctx: AppContext, connector: Connector) -> SessionSpec:
    """The runtime description of how to reach AWS as this connector (secrets decrypted).

    Raises AwsCallFailed naming the setting and the secret (never its value):
    NO_CREDENTIALS when a secret is missing or cannot be decrypted, INVALID_CREDENTIALS
    when a key or token holds control or non-ASCII characters. From here on the process
    holds secrets, so it first stops writing core dumps.
    """
    from awsconn.aws.session_spec import Backoff, SessionSpec

    forbid_core_dumps()
    cred = connector.credential
    keys = _static_keys(ctx, connector) if cred.manual is not None else None
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


_KEY_SETTINGS = ("accessKeyRef", "secretKeyRef", "sessionTokenRef")
_UNUSABLE_HINT = (
    "AWS access keys, secret keys and session tokens are one line of printable ASCII: "
    "store the value again without line breaks or other characters ('awsconn secret "
    "update ID')."
)


def _unusable(value: str) -> str | None:
    """What makes a key or token value certainly wrong (never the value itself), or None.

    CR/LF in an HTTP header made http.client echo the whole value in its error; other
    control characters, and non-ASCII (headers are Latin-1 at best), fail the same way.
    """
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return "contains control characters (CR, LF, tab or another non-printing character)"
    if not value.isascii():
        return "contains non-ASCII characters"
    return None


def _static_keys(ctx: AppContext, connector: Connector) -> StaticKeys:
    """The ManualConfig keys, decrypted and checked; every problem named at once."""
    from awsconn.aws.session_spec import StaticKeys

    manual = connector.credential.manual
    assert manual is not None
    refs = manual.secret_refs()
    values: dict[str, str] = {}
    missing: list[str] = []
    unusable: list[str] = []
    for name in _KEY_SETTINGS:
        ref = refs.get(name)
        if ref is None:
            continue
        path = f"spec.credential.spec.{name}"
        value, problem = _reveal(ctx, connector, path, ref)
        if problem is not None:
            missing.append(problem)
            continue
        values[name] = value.strip()
        why = _unusable(values[name])
        if why:
            unusable.append(f"{path}: secret {ref} {why}")
    if manual.access_key is not None:
        values["accessKeyRef"] = manual.access_key.strip()
        why = _unusable(values["accessKeyRef"])
        if why:
            unusable.append(f"spec.credential.spec.accessKey {why}")
    if missing:
        raise AwsCallFailed(
            AwsFailure(
                "NO_CREDENTIALS",
                "; ".join(missing),
                "create the secret again ('awsconn secret create ID', with --org/--project "
                "for its scope) or point the connector at an existing one",
            )
        )
    if unusable:
        raise AwsCallFailed(AwsFailure("INVALID_CREDENTIALS", "; ".join(unusable), _UNUSABLE_HINT))
    return StaticKeys(
        access_key_id=values["accessKeyRef"],
        secret_access_key=values["secretKeyRef"],
        session_token=values.get("sessionTokenRef"),
    )


def _reveal(
    ctx: AppContext, connector: Connector, path: str, ref: SecretRef
) -> tuple[str, str | None]:
    """(the secret's text, None), or ("", why it cannot be read, naming path and secret)."""
    target = ref.resolve(connector.scope)
    if target is None:
        return "", f"{path}: secret {ref} is an org secret but the connector has no org"
    try:
        secret = ctx.secrets.reveal(
            org=target.scope.org, project=target.scope.project, identifier=target.identifier
        )
        return secret.reveal_text(), None
    except NotFound:
        return "", f"{path}: secret {ref} not found in {target.scope.label()}"
    except (MasterKeyMismatch, MasterKeyMissing, StoreCorrupt):
        raise  # the store's own codes, the same in every command
    except AwsconnError as exc:  # not UTF-8 text, ...
        return "", f"{path}: secret {ref} cannot be used: {exc.message}"


@dataclass
class ConnectivityOutcome:
    """One connector's test: the AWS result, or why it was not run here, plus the check."""

    ref: EntityRef
    placement: Placement
    result: ConnectionTestResult | None = None
    permissions: Any = None  # a permissions report when capabilities were checked
    extra: dict[str, Any] = field(default_factory=dict)
    not_tested: str | None = None  # why a run over many did not test it ("ignoreTestConnection")
    connector: Connector | None = None
    spec: SessionSpec | None = None
    """The connector and its session as tested (for a check after the test: no reload)."""

    @property
    def ok(self) -> bool:
        if self.not_tested is not None:  # the connector asked not to be tested: not a failure
            return True
        if self.result is None or self.result.status != "SUCCESS":
            return False
        return self.permissions is None or bool(self.permissions.ok)

    def to_dict(self) -> dict[str, Any]:
        if self.not_tested is not None:
            return {
                "connector": str(self.ref),
                "status": "NOT_TESTED",
                "reason": self.not_tested,
                "message": "the connector sets ignoreTestConnection: true; "
                "'awsconn connector test REF' tests it anyway",
            }
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
    """The connector's session spec, or a FAILURE result when its secrets cannot be used.

    A secret deleted with --force (or sealed under a key no longer loaded, or holding a
    line break) breaks this one connector: its test fails with the code of
    :func:`session_spec` naming the setting, and a run over many connectors goes on.
    """
    from awsconn.aws.connectivity import ConnectionTestResult, Identity

    try:
        return session_spec(ctx, connector)
    except AwsCallFailed as exc:
        failure = exc.failure
    except AwsconnError as exc:
        # A key problem keeps the code every other command gives it; anything else
        # leaves the connector without usable credentials.
        key_problem = isinstance(exc, MasterKeyMismatch | MasterKeyMissing | StoreCorrupt)
        failure = AwsFailure(
            exc.code if key_problem else "NO_CREDENTIALS",
            f"the connector's secrets cannot be used: {exc.message}",
            exc.hint or "",
        )
    return ConnectionTestResult(
        connector=str(connector.ref),
        status="FAILURE",
        identity=Identity(),
        region=connector.region,
        tested_at=ctx.clock(),
        duration_ms=0,
        errors=(failure,),
    )


@contextmanager
def _secrets_kept_out(specs: Sequence[SessionSpec]) -> Iterator[Redactor]:
    """Whatever escapes the AWS calls of ``specs`` leaves without their secrets.

    awsconn errors are cleaned in place; anything else is a bug and becomes InternalError
    with a cleaned message (the CLI would otherwise print the exception's text).
    """
    redactor = Redactor(secret for spec in specs for secret in spec.secrets())
    try:
        yield redactor
    except AwsconnError as exc:
        redactor.error(exc)
        raise
    except Exception as exc:
        raise InternalError(
            f"unexpected {type(exc).__name__}: {redactor.text(str(exc))}",
            hint="This is a bug in awsconn; please report it with the command that failed.",
        ) from exc


def _record(
    ctx: AppContext, connector: Connector, result: ConnectionTestResult, redactor: Redactor
) -> ConnectionTestResult:
    """Store the test result (no secret in any message) and return what was stored."""
    result = replace(result, errors=tuple(redactor.failure(e) for e in result.errors))
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
    return result


def run_connector_test(
    ctx: AppContext, ref: EntityRef, *, here: bool = False, timeout_s: float = TEST_TIMEOUT.default
) -> ConnectivityOutcome:
    """Test one connector: who am I, then DescribeRegions in its test region; store the status."""
    from awsconn.aws.connectivity import run_connection_test
    from awsconn.aws.session_spec import SessionSpec

    timeout_s = TEST_TIMEOUT.check(timeout_s)
    connector = connector_service.get(ctx, ref).connector
    placement = place_locally(connector, ctx.delegate_tags, here=here)
    placement.require()
    spec = _spec_or_failure(ctx, connector)
    specs = [spec] if isinstance(spec, SessionSpec) else []
    not_recorded: str | None = None
    with _secrets_kept_out(specs) as redactor:
        if isinstance(spec, SessionSpec):
            result = run_connection_test(spec, ctx.sessions, timeout_s=timeout_s, clock=ctx.clock)
        else:
            result = spec
        result = replace(result, connector=str(ref))
        try:
            result = _record(ctx, connector, result, redactor)
        except StoreUnavailable as exc:  # e.g. another process held the write lock throughout
            result = replace(result, errors=tuple(redactor.failure(e) for e in result.errors))
            not_recorded = exc.message
    outcome = ConnectivityOutcome(
        ref,
        placement,
        result,
        connector=connector,
        spec=spec if isinstance(spec, SessionSpec) else None,
    )
    if not_recorded is not None:
        outcome.extra["notRecorded"] = not_recorded
    return outcome


def run_all_tests(
    ctx: AppContext,
    refs: Sequence[EntityRef] | None = None,
    *,
    here: bool = False,
    concurrency: int = 16,
    timeout_s: float = TEST_TIMEOUT.default,
    on_outcome: Callable[[ConnectivityOutcome], None] | None = None,
) -> list[ConnectivityOutcome]:
    """Test many connectors at once (shared SDK models, overlapped waits).

    Each result is stored as soon as its test ends, so an interrupted run keeps what it
    finished; ``on_outcome`` sees every outcome as it is settled (skipped ones first).
    A connector with ``ignoreTestConnection`` is not tested: its outcome is NOT_TESTED,
    which is ok (it does not fail the run), and nothing is stored for it.
    """
    from awsconn.aws.connectivity import run_connection_tests
    from awsconn.aws.session_spec import SessionSpec

    timeout_s = TEST_TIMEOUT.check(timeout_s)
    if refs is None:
        connectors = [v.connector for v in connector_service.list_connectors(ctx)]
    else:
        connectors = [connector_service.get(ctx, r).connector for r in refs]
    outcomes: list[ConnectivityOutcome] = []
    runnable: list[tuple[Connector, ConnectivityOutcome]] = []
    for c in connectors:
        placement = place_locally(c, ctx.delegate_tags, here=here)
        outcome = ConnectivityOutcome(c.ref, placement, connector=c)
        outcomes.append(outcome)
        if c.ignore_test_connection:
            outcome.not_tested = "ignoreTestConnection"
            if on_outcome is not None:
                on_outcome(outcome)
        elif placement.runs_here:
            runnable.append((c, outcome))
        elif on_outcome is not None:
            on_outcome(outcome)

    def settle(
        connector: Connector,
        outcome: ConnectivityOutcome,
        result: ConnectionTestResult,
        redactor: Redactor,
    ) -> None:
        result = replace(result, connector=str(connector.ref))
        try:
            result = _record(ctx, connector, result, redactor)
        except NotFound:  # deleted while its test ran: nothing to store it on
            result = replace(result, errors=tuple(redactor.failure(e) for e in result.errors))
            outcome.extra["notRecorded"] = "the connector was deleted during the test"
        except StoreUnavailable as exc:  # the write lock held by another process throughout
            result = replace(result, errors=tuple(redactor.failure(e) for e in result.errors))
            outcome.extra["notRecorded"] = exc.message
        outcome.result = result
        if on_outcome is not None:
            on_outcome(outcome)

    pending: list[tuple[Connector, ConnectivityOutcome]] = []
    specs: list[SessionSpec] = []
    for c, outcome in runnable:
        ready = _spec_or_failure(ctx, c)
        if isinstance(ready, SessionSpec):
            pending.append((c, outcome))
            specs.append(ready)
            outcome.spec = ready
        else:
            settle(c, outcome, ready, Redactor())
    with _secrets_kept_out(specs):
        run_connection_tests(
            specs,
            ctx.sessions,
            concurrency=concurrency,
            timeout_s=timeout_s,
            clock=ctx.clock,
            on_result=lambda i, result: settle(*pending[i], result, Redactor(specs[i].secrets())),
        )
    return outcomes


def _runnable(ctx: AppContext, ref: EntityRef, here: bool) -> tuple[Connector, Placement]:
    connector = connector_service.get(ctx, ref).connector
    placement = place_locally(connector, ctx.delegate_tags, here=here)
    placement.require()
    return connector, placement


def _checked_spec(ctx: AppContext, connector: Connector) -> SessionSpec:
    """:func:`session_spec`, refused (AwsCallFailed with code and hint) when a check that
    needs no network call already shows the connector cannot work."""
    from awsconn.aws.preflight import preflight

    spec = session_spec(ctx, connector)
    problem = preflight(spec)
    if problem is not None:
        raise AwsCallFailed(Redactor(spec.secrets()).failure(problem))
    return spec


def list_regions(
    ctx: AppContext,
    ref: EntityRef,
    *,
    here: bool = False,
    timeout_s: float = REGIONS_TIMEOUT.default,
) -> list[str]:
    """The regions DescribeRegions returns for this connector, in its test region."""
    timeout_s = REGIONS_TIMEOUT.check(timeout_s)
    connector, _ = _runnable(ctx, ref, here)
    spec = _checked_spec(ctx, connector)
    with _secrets_kept_out([spec]):
        return ctx.sessions.list_regions(spec, timeout_s=timeout_s)


def credential_process_output(
    ctx: AppContext,
    ref: EntityRef,
    *,
    here: bool = False,
    timeout_s: float = CREDENTIALS_TIMEOUT.default,
) -> dict[str, Any]:
    """AWS CLI ``credential_process`` JSON (Version 1) for this connector's credentials.

    Keys are printed only for a connector that passes the offline checks (region and
    role partition, secrets present and usable, key id format, a token for ASIA keys);
    otherwise AwsCallFailed with the taxonomy code and hint (credential_process callers
    show stderr).
    """
    timeout_s = CREDENTIALS_TIMEOUT.check(timeout_s)
    connector, _ = _runnable(ctx, ref, here)
    return _credentials_of(ctx, connector, timeout_s)


def _credentials_of(ctx: AppContext, connector: Connector, timeout_s: float) -> dict[str, Any]:
    spec = _checked_spec(ctx, connector)
    keys = spec.static_keys
    if keys is not None and spec.role_arn is None:
        # Stored keys and no role to assume: nothing to ask AWS, so no SDK to load.
        plain: dict[str, Any] = {
            "Version": 1,
            "AccessKeyId": keys.access_key_id,
            "SecretAccessKey": keys.secret_access_key,
        }
        if keys.session_token:
            plain["SessionToken"] = keys.session_token
        return plain
    with _secrets_kept_out([spec]):
        key, secret, token, expiration = ctx.sessions.frozen_credentials(spec, timeout_s=timeout_s)
    out: dict[str, Any] = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
    if token:
        out["SessionToken"] = token
    if expiration is not None:
        out["Expiration"] = expiration.isoformat().replace("+00:00", "Z")
    return out


_AMBIENT_AWS_SETTINGS = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
}


def exec_environment(
    ctx: AppContext,
    ref: EntityRef,
    base: dict[str, str],
    *,
    here: bool = False,
    timeout_s: float = CREDENTIALS_TIMEOUT.default,
) -> dict[str, str]:
    """``base`` with the connector's credentials and region, ambient AWS settings removed."""
    timeout_s = CREDENTIALS_TIMEOUT.check(timeout_s)
    connector, _ = _runnable(ctx, ref, here)
    creds = _credentials_of(ctx, connector, timeout_s)
    env = {k: v for k, v in base.items() if k not in _AMBIENT_AWS_SETTINGS}
    env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
    env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
    if "SessionToken" in creds:
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    env["AWS_REGION"] = connector.region
    env["AWS_DEFAULT_REGION"] = connector.region
    return env
