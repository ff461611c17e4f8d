"""``--timeout S`` bounds the whole connection test of a connector, not each HTTP attempt.

botocore applies connect/read timeouts per attempt, retries multiply them, and the STS
client behind a cross-account role is built by botocore's fetcher with its own 60 s
defaults; without a deadline a 2 s timeout took three minutes against a silent endpoint.
"""

from __future__ import annotations

import threading
from typing import Any

from awsconn.aws.connectivity import run_connection_test, run_connection_tests
from awsconn.aws.diagnosis import CallContext
from awsconn.aws.sessions import SessionSpec, StaticKeys

SPEC = SessionSpec(
    "account/c", "ManualConfig", "us-east-1", static_keys=StaticKeys("AKIATIMEOUT000000001", "x1")
)
IDENTITY = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u"}


class _Sts:
    def __init__(self, release: threading.Event, hang: bool) -> None:
        self._release = release
        self._hang = hang

    def get_caller_identity(self) -> dict[str, str]:
        if self._hang:
            self._release.wait(30)  # far longer than the test's budget
        return IDENTITY


class _Ec2:
    def __init__(self, release: threading.Event, hang: bool) -> None:
        self._release = release
        self._hang = hang

    def describe_regions(self) -> dict[str, Any]:
        if self._hang:
            self._release.wait(30)
        return {"Regions": [{"RegionName": "us-east-1"}]}


class _SlowFactory:
    """Answers like AWS, but the call named by ``hang`` does not answer until released."""

    def __init__(self, hang: str) -> None:
        self.release = threading.Event()
        self._hang = hang

    def client(self, spec: SessionSpec, service: str, region: str | None = None, **_: Any) -> Any:
        if service == "sts":
            return _Sts(self.release, self._hang == "sts")
        return _Ec2(self.release, self._hang == "ec2")

    def credential_method(self, spec: SessionSpec) -> str:
        return "explicit"

    def call_context(self, spec: SessionSpec, stage: Any = "call") -> CallContext:
        return CallContext(region=spec.region, stage=stage)


def test_a_call_that_never_answers_ends_the_test_at_its_timeout() -> None:
    factory = _SlowFactory(hang="sts")
    try:
        result = run_connection_test(SPEC, factory, timeout_s=0.5)  # type: ignore[arg-type]
    finally:
        factory.release.set()
    assert result.status == "FAILURE"
    [error] = result.errors
    assert error.code == "TIMEOUT"
    assert "0.5 s" in error.message
    assert "GetCallerIdentity" in error.message


def test_a_timeout_after_the_identity_keeps_the_identity() -> None:
    factory = _SlowFactory(hang="ec2")
    try:
        result = run_connection_test(SPEC, factory, timeout_s=0.5)  # type: ignore[arg-type]
    finally:
        factory.release.set()
    [error] = result.errors
    assert error.code == "TIMEOUT"
    assert "DescribeRegions" in error.message
    assert result.identity.arn == IDENTITY["Arn"]


def test_many_connectors_each_have_their_own_budget() -> None:
    factory = _SlowFactory(hang="sts")
    try:
        results = run_connection_tests([SPEC, SPEC], factory, timeout_s=0.5)  # type: ignore[arg-type]
    finally:
        factory.release.set()
    assert [r.errors[0].code for r in results] == ["TIMEOUT", "TIMEOUT"]


def test_a_quick_answer_is_unaffected_by_the_deadline() -> None:
    result = run_connection_test(SPEC, _SlowFactory(hang="none"), timeout_s=5)  # type: ignore[arg-type]
    assert result.status == "SUCCESS"
    assert result.identity.account == "123456789012"
