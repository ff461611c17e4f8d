"""``spec.ignoreTestConnection``: a run over many connectors reports the connector as
NOT_TESTED and does not fail because of it; testing it by name still tests it."""

from __future__ import annotations

from pathlib import Path

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import parse_ref
from awsconn.service import connectivity, connectors, secrets
from awsconn.service.context import AppContext


def _doc(identifier: str, access_key: str, *, ignore: bool) -> str:
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  type: Aws\n"
        "  spec:\n    credential:\n      type: ManualConfig\n      spec:\n"
        f"        accessKey: {access_key}\n        secretKeyRef: sk\n      region: us-east-1\n"
        f"    ignoreTestConnection: {'true' if ignore else 'false'}\n"
    )


def test_test_all_reports_not_tested_and_stays_ok_while_a_named_test_runs(
    aws_env: dict[str, str], moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    ctx = AppContext(environ={**aws_env, "AWSCONN_HOME": str(tmp_path / "home")})
    secrets.create(ctx, parse_ref("sk"), keys.secret_access_key.encode())
    # "later" uses a key AWS does not know: testing it would fail.
    text = _doc("works", keys.access_key_id, ignore=False) + "---\n"
    text += _doc("later", "AKIAUNKNOWN000000000", ignore=True)
    connectors.apply_yaml(ctx, text, mode="import")

    seen: list[str] = []
    outcomes = connectivity.run_all_tests(ctx, on_outcome=lambda o: seen.append(o.status))
    by_ref = {o.connector: o for o in outcomes}
    assert by_ref["later"].status == "NOT_TESTED"
    assert by_ref["later"].reason == "ignoreTestConnection"
    assert by_ref["later"].ok and by_ref["later"].tested_at is None
    assert by_ref["works"].status == "SUCCESS"
    assert all(o.ok for o in outcomes)
    assert sorted(seen) == ["NOT_TESTED", "SUCCESS"]
    statuses = {v.identifier: v.last_status for v in connectors.list_connectors(ctx)}
    assert statuses == {"later": None, "works": "SUCCESS"}  # nothing stored for it

    named = connectivity.run_connector_test(ctx, parse_ref("later"))  # the user asked: tested
    assert named.status == "FAILURE"
    assert not named.ok
    assert connectors.get(ctx, parse_ref("later")).status.last_status == "FAILURE"
