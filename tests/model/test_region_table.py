"""The region table in awsconn.model.regions against botocore's own endpoint data.

The model must not import botocore (it is pure and fast to import); this test may, and so
catches a region AWS launched (botocore learns of it) that our table does not know yet.
"""

from __future__ import annotations

from functools import cache

import botocore.session
import pytest

from awsconn.model.regions import (
    DEFAULT_TEST_REGION,
    PARTITIONS,
    arn_partition,
    is_known_region,
    is_opt_in_region,
    partition_named,
    partition_of_region,
)

OUR_PARTITIONS = ("aws", "aws-us-gov", "aws-cn")


@cache
def _botocore_regions(partition: str) -> frozenset[str]:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    endpoints = loader.load_data("endpoints")
    [data] = [p for p in endpoints["partitions"] if p["partition"] == partition]
    from_endpoints = set(data["regions"])
    # The same knowledge through the public API, for a service every region has.
    assert set(session.get_available_regions("ec2", partition_name=partition)) <= from_endpoints
    return frozenset(from_endpoints)


@pytest.mark.parametrize("name", OUR_PARTITIONS)
def test_every_botocore_region_is_in_our_table(name: str) -> None:
    partition = partition_named(name)
    assert partition is not None
    missing = _botocore_regions(name) - set(partition.regions)
    assert not missing, f"add to awsconn.model.regions ({name}): {sorted(missing)}"


@pytest.mark.parametrize("name", OUR_PARTITIONS)
def test_every_region_in_our_table_is_known_to_botocore(name: str) -> None:
    partition = partition_named(name)
    assert partition is not None
    extra = set(partition.regions) - _botocore_regions(name)
    assert not extra, f"botocore does not know these {name} regions: {sorted(extra)}"


def test_table_covers_exactly_the_three_connector_partitions() -> None:
    assert tuple(p.name for p in PARTITIONS) == OUR_PARTITIONS


def test_regions_belong_to_one_partition_each_and_are_sorted() -> None:
    seen: set[str] = set()
    for partition in PARTITIONS:
        assert list(partition.regions) == sorted(partition.regions)
        assert not seen & set(partition.regions)
        seen |= set(partition.regions)
        assert partition.default_region in partition.regions


def test_botocore_partition_regions_agree_with_our_partition_of_region() -> None:
    for name in OUR_PARTITIONS:
        for region in _botocore_regions(name):
            found = partition_of_region(region)
            assert found is not None and found.name == name, region


def test_default_test_region() -> None:
    assert DEFAULT_TEST_REGION == "us-east-1"
    assert is_known_region(DEFAULT_TEST_REGION)
    assert not is_opt_in_region(DEFAULT_TEST_REGION)


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-2", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-northwest-1", "aws-cn"),
        # not (yet) in the table: guessed from the prefix
        ("us-gov-north-9", "aws-us-gov"),
        ("cn-south-9", "aws-cn"),
        ("xx-nowhere-1", None),
        ("us-iso-east-1", None),
    ],
)
def test_partition_of_region(region: str, partition: str | None) -> None:
    found = partition_of_region(region)
    assert (found.name if found else None) == partition


@pytest.mark.parametrize("region", ["us-gov-north-9", "cn-south-9", "", "US-EAST-1", "us-east-1 "])
def test_guessed_or_malformed_regions_are_not_known(region: str) -> None:
    assert not is_known_region(region)


def test_opt_in_regions_are_standard_regions_of_the_table() -> None:
    aws = partition_named("aws")
    assert aws is not None
    opt_in = {r for p in PARTITIONS for r in p.regions if is_opt_in_region(r)}
    assert opt_in <= set(aws.regions)
    # The regions enabled by default in every account (launched before March 2019).
    for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "sa-east-1"):
        assert not is_opt_in_region(region)
    for region in ("af-south-1", "ap-east-1", "me-south-1", "il-central-1", "mx-central-1"):
        assert is_opt_in_region(region)


@pytest.mark.parametrize(
    ("arn", "partition"),
    [
        ("arn:aws:iam::123456789012:role/x", "aws"),
        ("arn:aws-us-gov:s3:::bucket", "aws-us-gov"),
        ("arn:aws-cn:iam::123456789012:role/x", "aws-cn"),
        ("arn:aws-iso:iam::123456789012:role/x", "aws-iso"),
        ("not-an-arn", None),
        ("arn::iam::1:role/x", None),
        ("", None),
    ],
)
def test_arn_partition(arn: str, partition: str | None) -> None:
    assert arn_partition(arn) == partition
