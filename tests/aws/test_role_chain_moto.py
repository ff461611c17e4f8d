"""Role chains (``crossAccountAccess`` then ``chain``) against the moto server with IAM
auth: each role trusts the previous hop only and lets it assume the next."""

from __future__ import annotations

from datetime import datetime

import pytest

from awsconn.aws.connectivity import run_connection_test
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn
from awsconn.aws.session_spec import ChainHop
from awsconn.aws.sessions import (
    Backoff,
    SessionFactory,
    SessionSpec,
    StaticKeys,
    role_session_name,
)
from awsconn.errors import AwsCallFailed
from awsconn.service.connectivity import history_entry

pytestmark = pytest.mark.aws
NO_RETRY = Backoff("FixedDelayBackoffStrategy", retry_count=0)


def _chain(
    moto: LocalAwsEndpoint, name: str, *, last_trusts: str | None = None
) -> tuple[StaticKeys, list[str]]:
    """A user and three roles: user -> r1 -> r2 (external id) -> r3. Each role trusts the
    previous hop's role session (moto matches the caller's ARN literally)."""
    keys = moto.create_user(name, allow_policy("sts:AssumeRole"))
    assert keys is not None
    r1 = moto.create_role(
        f"{name}-1", trust_principal=user_arn(name), policy=allow_policy("sts:AssumeRole")
    )
    r2 = moto.create_role(
        f"{name}-2",
        trust_principal=_session_of(r1.arn),
        external_id="hop-two",
        policy=allow_policy("sts:AssumeRole"),
    )
    r3 = moto.create_role(
        f"{name}-3",
        trust_principal=last_trusts or _session_of(r2.arn),
        policy=allow_policy("ec2:DescribeRegions", "sts:GetCallerIdentity"),
    )
    return keys, [r1.arn, r2.arn, r3.arn]


def _session_of(role_arn: str) -> str:
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{role_session_name('account/chained')}"


def _spec(keys: StaticKeys, arns: list[str], **kw: object) -> SessionSpec:
    return SessionSpec(
        "account/chained",
        "ManualConfig",
        "us-east-1",
        static_keys=keys,
        role_arn=arns[0],
        chain=(ChainHop(arns[1], "hop-two"), ChainHop(arns[2])),
        **kw,  # type: ignore[arg-type]
    )


def test_a_chain_reaches_the_last_role_and_the_result_shows_every_hop(
    moto_auth: LocalAwsEndpoint, aws_factory: SessionFactory, unique_name: str
) -> None:
    keys, arns = _chain(moto_auth, unique_name)
    out = history_entry(run_connection_test(_spec(keys, arns), aws_factory)).wire()
    assert out["status"] == "SUCCESS", out
    assert f"assumed-role/{unique_name}-3/" in out["identity"]["arn"]
    assert out["identity"]["roleChain"] == arns
    assert out["identity"]["credentialMethod"] == "explicit" + "+assume-role" * 3


def test_chained_credentials_expire_within_the_hour(
    moto_auth: LocalAwsEndpoint, aws_factory: SessionFactory, unique_name: str
) -> None:
    keys, arns = _chain(moto_auth, unique_name)
    frozen = aws_factory.frozen_credentials(_spec(keys, arns), timeout_s=30)
    assert frozen.expiration is not None
    left = (frozen.expiration - datetime.now(frozen.expiration.tzinfo)).total_seconds()
    assert 3000 < left <= 3600


def test_a_hop_that_is_refused_is_named_in_the_failure(
    moto_auth: LocalAwsEndpoint, aws_factory: SessionFactory, unique_name: str
) -> None:
    keys, arns = _chain(moto_auth, unique_name, last_trusts=user_arn("someone-else"))
    result = run_connection_test(_spec(keys, arns, backoff=NO_RETRY), aws_factory)
    [error] = result.errors
    assert error.code == "ASSUME_ROLE_FAILED"
    assert error.message.startswith(f"role chain hop 3 of 3 ({arns[2]}):")
    assert arns[2] in error.hint and "no External ID was sent" in error.hint
    assert list(history_entry(result).identity.role_chain) == arns
    with pytest.raises(AwsCallFailed) as caught:
        aws_factory.frozen_credentials(_spec(keys, arns, backoff=NO_RETRY), timeout_s=30)
    assert "role chain hop 3 of 3" in str(caught.value)


def test_a_wrong_external_id_of_a_middle_hop_names_that_hop(
    moto_auth: LocalAwsEndpoint, aws_factory: SessionFactory, unique_name: str
) -> None:
    keys, arns = _chain(moto_auth, unique_name)
    spec = SessionSpec(
        "account/chained",
        "ManualConfig",
        "us-east-1",
        static_keys=keys,
        role_arn=arns[0],
        chain=(ChainHop(arns[1], "not-hop-two"), ChainHop(arns[2])),
        backoff=NO_RETRY,
    )
    [error] = run_connection_test(spec, aws_factory).errors
    assert error.code == "ASSUME_ROLE_FAILED"
    assert error.message.startswith(f"role chain hop 2 of 3 ({arns[1]}):")
    assert "an External ID was sent" in error.hint and "not-hop-two" not in error.message
