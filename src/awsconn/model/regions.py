"""AWS partitions and regions: which region belongs where, and which need opting in.

Data, not a call: the model stays pure. ``tests/model/test_regions.py`` keeps this
table honest against botocore's own endpoint data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT_TEST_REGION",
    "PARTITIONS",
    "PARTITION_NAMES",
    "REGION_NAMES",
    "Partition",
    "arn_partition",
    "is_known_region",
    "is_opt_in_region",
    "partition_named",
    "partition_of_region",
    "region_label",
]

DEFAULT_TEST_REGION = "us-east-1"


@dataclass(frozen=True)
class Partition:
    name: str  # the ARN partition: aws, aws-us-gov, aws-cn
    title: str
    default_region: str
    regions: tuple[str, ...]


PARTITIONS: tuple[Partition, ...] = (
    Partition(
        "aws",
        "AWS Standard",
        "us-east-1",
        (
            "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
            "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
            "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
            "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
            "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
            "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
            "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        ),
    ),
    Partition(
        "aws-us-gov", "AWS GovCloud (US)", "us-gov-west-1", ("us-gov-east-1", "us-gov-west-1")
    ),
    Partition("aws-cn", "AWS China", "cn-north-1", ("cn-north-1", "cn-northwest-1")),
)  # fmt: skip

# Regions launched after March 2019 are disabled until an account opts in.
_OPT_IN = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3",
        "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1",
        "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1",
        "me-south-1", "mx-central-1",
    }
)  # fmt: skip

REGION_NAMES: dict[str, str] = {
    "af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)", "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)", "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)", "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)", "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)", "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)", "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)", "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)", "eu-south-2": "Europe (Spain)",
    "eu-west-1": "Europe (Ireland)", "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)", "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)", "me-south-1": "Middle East (Bahrain)",
    "mx-central-1": "Mexico (Central)", "sa-east-1": "South America (Sao Paulo)",
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
    "us-gov-east-1": "AWS GovCloud (US-East)", "us-gov-west-1": "AWS GovCloud (US-West)",
    "cn-north-1": "China (Beijing)", "cn-northwest-1": "China (Ningxia)",
}  # fmt: skip
"""Each known region's name as AWS writes it (botocore's endpoint data; a test keeps them
equal)."""

PARTITION_NAMES: tuple[str, ...] = tuple(p.name for p in PARTITIONS)
"""The ARN partitions awsconn knows, in table order: the one list every rule uses."""

_BY_REGION = {region: p for p in PARTITIONS for region in p.regions}
_BY_NAME = {p.name: p for p in PARTITIONS}
_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):")


def is_known_region(region: str) -> bool:
    return region in _BY_REGION


def is_opt_in_region(region: str) -> bool:
    return region in _OPT_IN


def partition_of_region(region: str) -> Partition | None:
    """The partition a known region is in; unknown regions are guessed by prefix, else None."""
    known = _BY_REGION.get(region)
    if known is not None:
        return known
    if region.startswith("us-gov-"):
        return _BY_NAME["aws-us-gov"]
    if region.startswith("cn-"):
        return _BY_NAME["aws-cn"]
    return None


def partition_named(name: str) -> Partition | None:
    return _BY_NAME.get(name)


def arn_partition(arn: str) -> str | None:
    """The partition field of an ARN (``arn:aws-us-gov:...`` -> ``aws-us-gov``)."""
    match = _ARN.match(arn)
    return match.group("partition") if match else None


def region_label(region: str) -> str:
    """A region as people pick it: its code, then its name (``us-gov-west-1 — AWS GovCloud
    (US-West)``); the code alone for a region without a known name."""
    name = REGION_NAMES.get(region)
    return f"{region} \u2014 {name}" if name else region
