"""Clients of one factory share one class per service; other botocore users are unaffected."""

from __future__ import annotations

import boto3

from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys


def _spec(name: str) -> SessionSpec:
    return SessionSpec(
        connector=name,
        credential_type="ManualConfig",
        region="us-east-1",
        static_keys=StaticKeys("AKIAEXAMPLE0000000" + name[-2:], "secret"),
    )


def test_clients_of_one_factory_share_their_class() -> None:
    factory = SessionFactory({})
    a = factory.client(_spec("c-01"), "ec2")
    b = factory.client(_spec("c-02"), "ec2")
    assert type(a) is type(b)
    assert type(factory.client(_spec("c-01"), "sts")) is not type(a)
    assert hasattr(a, "describe_regions")


def test_factories_and_plain_boto3_keep_their_own_classes() -> None:
    one = SessionFactory({}).client(_spec("c-01"), "ec2")
    two = SessionFactory({}).client(_spec("c-01"), "ec2")
    assert type(one) is not type(two)
    plain_a = boto3.session.Session(region_name="us-east-1").client("ec2")
    plain_b = boto3.session.Session(region_name="us-east-1").client("ec2")
    assert type(plain_a) is not type(plain_b)
