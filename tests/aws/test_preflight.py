"""What is certainly wrong with a spec is found without a network call, naming no key."""

from __future__ import annotations

import pytest

from awsconn.aws.preflight import preflight
from awsconn.aws.session_spec import SessionSpec, StaticKeys

GOOD = StaticKeys("AKIAPREFLIGHT0000001", "secret")


def spec(region: str = "us-east-1", keys: StaticKeys | None = GOOD, **kw: str) -> SessionSpec:
    kind = "ManualConfig" if keys else "InheritFromDelegate"
    return SessionSpec("account/c", kind, region, static_keys=keys, **kw)  # type: ignore[arg-type]


def test_a_usable_spec_passes() -> None:
    assert preflight(spec()) is None
    assert preflight(spec(keys=StaticKeys("ASIAPREFLIGHT0000001", "s", "token"))) is None
    gov_role = "arn:aws-us-gov:iam::123456789012:role/r"
    assert preflight(spec("us-gov-west-1", keys=None, role_arn=gov_role)) is None
    assert preflight(spec(keys=None, role_arn="arn:aws:iam::123456789012:role/r")) is None


def test_a_role_of_another_partition_than_the_test_region() -> None:
    failure = preflight(spec(role_arn="arn:aws-us-gov:iam::123456789012:role/deploy"))
    assert failure is not None and failure.code == "PARTITION_MISMATCH"
    assert "aws-us-gov" in failure.message and "us-east-1" in failure.message


def test_a_region_that_does_not_exist() -> None:
    failure = preflight(spec("mars-1"))
    assert failure is not None and failure.code == "REGION_INVALID"


@pytest.mark.parametrize(
    "key_id",
    ["AKIA1", "AKIA PREFLIGHT 00001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "A" * 129],
)
def test_a_key_id_aws_would_never_issue_is_invalid_without_showing_it(key_id: str) -> None:
    failure = preflight(spec(keys=StaticKeys(key_id, "secret")))
    assert failure is not None and failure.code == "INVALID_CREDENTIALS"
    assert key_id not in failure.message + failure.hint
    assert f"{len(key_id)} characters" in failure.message


def test_temporary_keys_need_their_session_token() -> None:
    failure = preflight(spec(keys=StaticKeys("ASIAPREFLIGHT0000001", "secret")))
    assert failure is not None and failure.code == "INVALID_CREDENTIALS"
    assert "sessionTokenRef" in failure.message
