"""Each region's display name is the one AWS writes (botocore's endpoint data), and the
label people pick a test region by starts with the code."""

from __future__ import annotations

import botocore.session

from awsconn.model.regions import PARTITIONS, REGION_NAMES, region_label


def _botocore_descriptions() -> dict[str, str]:
    loader = botocore.session.get_session().get_component("data_loader")
    endpoints = loader.load_data("endpoints")
    return {
        region: data["description"]
        for partition in endpoints["partitions"]
        for region, data in partition["regions"].items()
        if "description" in data
    }


def test_every_known_region_has_its_aws_name() -> None:
    known = {r for p in PARTITIONS for r in p.regions}
    assert set(REGION_NAMES) == known
    descriptions = _botocore_descriptions()
    assert {r: descriptions[r] for r in known} == REGION_NAMES


def test_a_label_is_the_code_then_the_name() -> None:
    assert region_label("us-gov-west-1") == "us-gov-west-1 \u2014 AWS GovCloud (US-West)"
    assert region_label("cn-north-1") == "cn-north-1 \u2014 China (Beijing)"
    assert region_label("xx-nowhere-1") == "xx-nowhere-1"
