"""``crossAccountAccess.chain`` (awsconn's extension): further roles, each checked at its
field path, written back in the canonical document only when set."""

from __future__ import annotations

from typing import Any

import pytest
from model_documents import ROLE_ARN, manual_doc, problems, set_path

from awsconn.model import CrossAccountAccess, RoleHop, parse_connector_document
from awsconn.model.yaml_io import connector_to_document

CROSS = "spec.credential.crossAccountAccess"
HOP = "arn:aws:iam::210987654321:role/next"


def _chained(chain: Any) -> dict[str, Any]:
    doc = set_path(manual_doc(), f"{CROSS}.crossAccountRoleArn", ROLE_ARN)
    return set_path(doc, f"{CROSS}.chain", chain)


def test_a_chain_parses_into_hops_after_the_cross_account_role() -> None:
    doc = _chained([{"roleArn": HOP, "externalId": "ext-2"}, {"roleArn": HOP + "2"}])
    cross = parse_connector_document(doc).credential.cross_account
    assert cross == CrossAccountAccess(ROLE_ARN, None, (RoleHop(HOP, "ext-2"), RoleHop(HOP + "2")))
    assert [h.role_arn for h in cross.hops] == [ROLE_ARN, HOP, HOP + "2"]


def test_the_canonical_document_keeps_the_chain_and_leaves_it_out_when_unset() -> None:
    doc = _chained([{"roleArn": HOP, "externalId": "ext-2"}])
    out = connector_to_document(parse_connector_document(doc))
    assert out["connector"]["spec"]["credential"]["crossAccountAccess"]["chain"] == [
        {"roleArn": HOP, "externalId": "ext-2"}
    ]
    assert parse_connector_document(out) == parse_connector_document(doc)
    plain = set_path(manual_doc(), f"{CROSS}.crossAccountRoleArn", ROLE_ARN)
    written = connector_to_document(parse_connector_document(plain))
    assert "chain" not in written["connector"]["spec"]["credential"]["crossAccountAccess"]


@pytest.mark.parametrize(
    ("chain", "path", "says"),
    [
        ("next", f"{CROSS}.chain", "must be a list"),
        ([], f"{CROSS}.chain", "1 to 5 roles"),
        ([{"roleArn": HOP}] * 6, f"{CROSS}.chain", "1 to 5 roles"),
        ([{"roleArn": "arn:aws:iam::1:user/x"}], f"{CROSS}.chain[0].roleArn", "IAM role ARN"),
        ([{"externalId": "ext-2"}], f"{CROSS}.chain[0].roleArn", "required"),
        ([{"roleArn": HOP, "externalId": "x"}], f"{CROSS}.chain[0].externalId", "External ID"),
        ([{"roleArn": HOP, "externalId": 123}], f"{CROSS}.chain[0].externalId", "quote it"),
        ([{"roleArn": HOP, "role": 1}], f"{CROSS}.chain[0]", ""),
        ([None], f"{CROSS}.chain[0]", "required"),
        (
            [{"roleArn": HOP}, {"roleArn": "arn:aws-us-gov:iam::123456789012:role/g"}],
            "spec.credential.crossAccountAccess.chain[1].roleArn",
            "PARTITION_MISMATCH",
        ),
    ],
)
def test_a_bad_chain_is_refused_at_its_field_path(chain: Any, path: str, says: str) -> None:
    found = problems(_chained(chain))
    assert any(p.path.startswith(path) and says in str(p) for p in found), found


def test_a_chain_needs_its_cross_account_role() -> None:
    doc = set_path(manual_doc(), f"{CROSS}.chain", [{"roleArn": HOP}])
    assert any(p.path == f"{CROSS}.crossAccountRoleArn" for p in problems(doc))
