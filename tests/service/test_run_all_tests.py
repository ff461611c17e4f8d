"""`run_all_tests` settles each connector as its test ends: stored at once, reported as it goes."""

from __future__ import annotations

from pathlib import Path

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import parse_ref
from awsconn.model.results import ConnectionTestOutcome
from awsconn.service import connectivity, connectors, secrets
from awsconn.service.context import AppContext


def _doc(identifier: str, access_key: str, *, selectors: str = "[]", kind: str = "") -> str:
    credential = kind or (
        "      type: ManualConfig\n      spec:\n"
        f"        accessKey: {access_key}\n        secretKeyRef: sk\n"
    )
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  type: Aws\n"
        f"  spec:\n    credential:\n{credential}      region: us-east-1\n"
        f"    delegateSelectors: {selectors}\n"
    )


def _context(aws_env: dict[str, str], tmp_path: Path) -> AppContext:
    return AppContext(environ={**aws_env, "AWSCONN_HOME": str(tmp_path / "home")})


def test_every_outcome_is_reported_and_stored_as_it_ends(
    aws_env: dict[str, str], moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    ctx = _context(aws_env, tmp_path)
    secrets.create(ctx, parse_ref("sk"), keys.secret_access_key.encode())
    docs = [_doc(f"c{i}", keys.access_key_id) for i in range(3)]
    docs.append(_doc("on_eks", "", selectors="[eks]", kind="      type: Irsa\n"))
    connectors.apply_yaml(ctx, "---\n".join(docs), mode="import")
    seen: list[str] = []
    outcomes = connectivity.run_all_tests(
        ctx, concurrency=2, on_outcome=lambda o: seen.append(o.connector)
    )
    assert seen[0] == "on_eks"  # skipped ones are settled first
    assert sorted(seen) == ["c0", "c1", "c2", "on_eks"]
    assert [o.connector for o in outcomes] == ["c0", "c1", "c2", "on_eks"]  # listing order
    assert outcomes[3].status == "SKIPPED"
    statuses = {v.identifier: v.last_status for v in connectors.list_connectors(ctx)}
    assert statuses == {"c0": "SUCCESS", "c1": "SUCCESS", "c2": "SUCCESS", "on_eks": None}


def test_a_connector_deleted_during_the_run_does_not_lose_the_others(
    aws_env: dict[str, str], moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    ctx = _context(aws_env, tmp_path)
    secrets.create(ctx, parse_ref("sk"), keys.secret_access_key.encode())
    connectors.apply_yaml(
        ctx, "---\n".join(_doc(f"c{i}", keys.access_key_id) for i in range(3)), mode="import"
    )

    def delete_the_last(outcome: ConnectionTestOutcome) -> None:
        if outcome.connector == "c0":
            connectors.delete(ctx, parse_ref("c2"))

    outcomes = connectivity.run_all_tests(ctx, concurrency=1, on_outcome=delete_the_last)
    by_ref = {o.connector: o for o in outcomes}
    assert by_ref["c2"].not_recorded == "the connector was deleted during the test"
    assert by_ref["c2"].status == "SUCCESS"
    statuses = {v.identifier: v.last_status for v in connectors.list_connectors(ctx)}
    assert statuses == {"c0": "SUCCESS", "c1": "SUCCESS"}
