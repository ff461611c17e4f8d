"""The connection test: who am I (STS GetCallerIdentity), may I list regions (EC2).

Why these two calls: every connector needs ``ec2:DescribeRegions`` (the spec's one
universal permission), and GetCallerIdentity proves the credentials independently
of any policy. A refusal is then probed once more in the other partitions (or the
partition's default region) so that "GovCloud keys in a standard region" reads as
PARTITION_MISMATCH and an opt-in region as REGION_NOT_ENABLED, not as bad keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from botocore.config import Config

from awsconn.aws.deadline import Deadline, DeadlinePassed, timeout_failure
from awsconn.aws.diagnosis import CallContext, Stage, diagnose, partition_mismatch
from awsconn.aws.preflight import preflight
from awsconn.aws.redaction import Redactor
from awsconn.aws.sessions import SessionFactory, SessionSpec
from awsconn.errors import AwsFailure
from awsconn.model.clock import utc_now
from awsconn.model.regions import PARTITIONS, arn_partition, is_opt_in_region, partition_of_region

__all__ = [
    "ConnectionTestResult",
    "Identity",
    "partition_mismatch",
    "run_connection_test",
    "run_connection_tests",
]

DEFAULT_TIMEOUT_S = 10.0
_REFUSED = {"INVALID_CREDENTIALS"}


@dataclass(frozen=True)
class Identity:
    account: str | None = None
    arn: str | None = None
    partition: str | None = None
    credential_method: str | None = None
    role_chain: tuple[str, ...] = ()
    """The roles assumed, in order, when the connector chains roles (empty otherwise)."""


@dataclass(frozen=True)
class ConnectionTestResult:
    """How one test ended; ``service.connectivity.history_entry`` is its stored form."""

    connector: str
    status: Literal["SUCCESS", "FAILURE"]
    identity: Identity
    region: str
    tested_at: datetime
    duration_ms: int
    errors: tuple[AwsFailure, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


class _Failed(Exception):
    def __init__(self, failure: AwsFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _context(spec: SessionSpec, factory: SessionFactory, stage: Stage) -> CallContext:
    return factory.call_context(spec, stage)


def _probe_regions(region: str) -> list[tuple[str, str]]:
    """Where to retry a refused call: (region, code-if-it-works) pairs."""
    own = partition_of_region(region)
    out: list[tuple[str, str]] = []
    if own is not None and is_opt_in_region(region):
        out.append((own.default_region, "REGION_NOT_ENABLED"))
    out += [
        (p.default_region, "PARTITION_MISMATCH")
        for p in PARTITIONS
        if own is None or p.name != own.name
    ]
    return out


def _reclassify(
    failure: AwsFailure, spec: SessionSpec, factory: SessionFactory, config: Config
) -> AwsFailure:
    """Turn "refused here" into PARTITION_MISMATCH / REGION_NOT_ENABLED if accepted elsewhere."""
    if failure.code not in _REFUSED or spec.role_arn:
        return failure
    for region, code in _probe_regions(spec.region):
        try:
            probe = replace(spec, region=region, backoff=None)
            factory.client(probe, "sts", config=config).get_caller_identity()
        except Exception:
            continue
        own = partition_of_region(spec.region)
        other = partition_of_region(region)
        if code == "REGION_NOT_ENABLED":
            hint = f"Enable {spec.region} for the account, or pick another test region."
            message = f"The credentials work in {region} but are refused in {spec.region}"
        else:
            hint = (
                f"These credentials belong to partition {other.name if other else '?'}; "
                f"the test region {spec.region} is in {own.name if own else '?'}. Use "
                "credentials of the region's partition (GovCloud and China need their own "
                "accounts' keys), or a test region of the credentials' partition."
            )
            message = f"Credentials refused in {spec.region} but accepted in {region}"
        return AwsFailure(code, message, hint, failure.aws_error_code, failure.request_id)
    return failure


def _call(spec: SessionSpec, factory: SessionFactory, stage: Stage, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        raise _Failed(diagnose(exc, _context(spec, factory, stage))) from exc


@dataclass
class _Progress:
    """How far a test got: read by the caller when the deadline passes first."""

    identity: Identity = field(default_factory=Identity)
    waiting_for: str = "credentials"


def _run(
    spec: SessionSpec,
    factory: SessionFactory,
    config: Config,
    progress: _Progress,
) -> list[AwsFailure]:
    """The two calls (plus the probes that explain a refusal); failures, in order."""
    errors: list[AwsFailure] = []
    if spec.chain:  # the hops are shown even when one of them fails (its error names it)
        progress.identity = Identity(role_chain=spec.role_chain)
    try:
        early = preflight(spec)
        if early is not None:
            raise _Failed(early)
        progress.waiting_for = "STS GetCallerIdentity" + (
            f" (first AssumeRole of {spec.role_arn})" if spec.role_arn else ""
        )
        sts = _call(
            spec, factory, "credentials", lambda: factory.client(spec, "sts", config=config)
        )
        try:
            who = _call(spec, factory, "identity", sts.get_caller_identity)
        except _Failed as failed:
            raise _Failed(_reclassify(failed.failure, spec, factory, config)) from failed
        method = _call(spec, factory, "credentials", lambda: factory.credential_method(spec))
        arn = str(who.get("Arn", ""))
        chain = spec.role_chain if spec.chain else ()
        progress.identity = Identity(who.get("Account"), arn, arn_partition(arn), method, chain)
        progress.waiting_for = f"EC2 DescribeRegions in {spec.region}"
        ec2 = _call(spec, factory, "regions", lambda: factory.client(spec, "ec2", config=config))
        try:
            _call(spec, factory, "regions", ec2.describe_regions)
        except _Failed as failed:
            raise _Failed(_reclassify(failed.failure, spec, factory, config)) from failed
    except _Failed as failed:
        errors.append(failed.failure)
    return errors


def run_connection_test(
    spec: SessionSpec,
    factory: SessionFactory,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    clock: Callable[[], datetime] = utc_now,
    timer: Callable[[], float] = time.monotonic,
) -> ConnectionTestResult:
    """Test one connector: GetCallerIdentity, then DescribeRegions in the test region.

    ``timeout_s`` bounds the whole test (a :class:`Deadline`): the calls run in a worker
    thread and the test ends at the deadline with TIMEOUT, saying what it was waiting
    for. No error message of the result holds a secret of ``spec``, in any spelling.
    """
    tested_at = clock()
    deadline = Deadline(timeout_s, timer=timer)
    progress = _Progress()
    try:
        errors = deadline.call(
            lambda: _run(spec, factory, deadline.attempt_config(), progress),
            what=f"the connection test of {spec.connector}",
        )
    except DeadlinePassed:
        errors = [
            timeout_failure(
                f"The test did not finish within {deadline.timeout_s:g} s; it was waiting "
                f"for {progress.waiting_for}"
            )
        ]
    redactor = Redactor(spec.secrets())
    return ConnectionTestResult(
        connector=spec.connector,
        status="FAILURE" if errors else "SUCCESS",
        identity=progress.identity,
        region=spec.region,
        tested_at=tested_at,
        duration_ms=deadline.elapsed_ms(),
        errors=tuple(redactor.failure(e) for e in errors),
    )


def run_connection_tests(
    specs: Sequence[SessionSpec],
    factory: SessionFactory,
    *,
    concurrency: int = 16,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    clock: Callable[[], datetime] = utc_now,
    on_result: Callable[[int, ConnectionTestResult], None] | None = None,
) -> list[ConnectionTestResult]:
    """Test many connectors, overlapping network waits; results in the order of ``specs``.

    ``on_result(index, result)`` is called in the caller's thread as each test ends
    (in completion order), so results can be stored and shown while others run.
    """
    if not specs:
        return []
    results: list[ConnectionTestResult | None] = [None] * len(specs)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(specs)))) as pool:
        futures = {
            pool.submit(run_connection_test, spec, factory, timeout_s=timeout_s, clock=clock): i
            for i, spec in enumerate(specs)
        }
        for future in as_completed(futures):
            index = futures[future]
            results[index] = result = future.result()
            if on_result is not None:
                on_result(index, result)
    return [r for r in results if r is not None]
