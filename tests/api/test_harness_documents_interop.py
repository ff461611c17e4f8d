"""The wire shapes and awsconn's own connector documents agree, and timestamps are epoch ms.

What awsconn stores and exports (``model.yaml_io.connector_to_document``) is what the API
sends; what the API's models dump is what awsconn's parser (``model.harness_yaml``)
accepts, unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from awsconn.api.harness_shapes import ConnectorRequest, from_epoch_ms, to_epoch_ms
from awsconn.model.harness_yaml import parse_connector_document
from awsconn.model.yaml_io import connector_to_document

CONNECTORS: list[dict[str, Any]] = [
    {
        "connector": {
            "name": "keys",
            "identifier": "keys",
            "orgIdentifier": "eng",
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "spec": {
                        "accessKeyRef": "org.key_id",
                        "secretKeyRef": "org.secret_key",
                        "sessionTokenRef": "account.token",
                    },
                    "region": "eu-west-1",
                },
                "executeOnDelegate": False,
            },
        }
    },
    {
        "connector": {
            "name": "delegate role",
            "identifier": "delegate_role",
            "description": "the delegate's instance role, then a deployer role",
            "tags": {"env": "prod"},
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "InheritFromDelegate",
                    "crossAccountAccess": {
                        "crossAccountRoleArn": "arn:aws-us-gov:iam::123456789012:role/deployer",
                        "externalId": "ext-123",
                    },
                    "region": "us-gov-west-1",
                },
                "delegateSelectors": ["gov"],
                "proxy": True,
                "ignoreTestConnection": True,
                "capabilities": ["ecr-pull"],
                "awsSdkClientBackOffStrategyOverride": {
                    "type": "FixedDelayBackoffStrategy",
                    "spec": {"fixedBackoff": 500, "retryCount": 4},
                },
            },
        }
    },
]


@pytest.mark.parametrize("document", CONNECTORS, ids=lambda d: d["connector"]["identifier"])
def test_awsconn_documents_are_harness_connector_requests(document: dict[str, Any]) -> None:
    connector = parse_connector_document(document)
    canonical = connector_to_document(connector)

    wire = ConnectorRequest.model_validate(canonical).to_wire()

    assert wire == canonical
    assert parse_connector_document(wire) == connector


def test_epoch_milliseconds_both_ways() -> None:
    moment = datetime(2024, 6, 10, 6, 13, 20, 123999, tzinfo=UTC)
    assert to_epoch_ms(moment) == 1_718_000_000_123  # sub-millisecond part dropped
    assert from_epoch_ms(1_718_000_000_123) == moment.replace(microsecond=123000)
    assert to_epoch_ms(moment.replace(tzinfo=None)) == to_epoch_ms(moment)  # naive is UTC
    east = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert to_epoch_ms(east) == to_epoch_ms(moment)
    assert to_epoch_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
