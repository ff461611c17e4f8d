"""Work that runs where awsconn runs (``executeOnDelegate: false``) is done inside submit,
against a real moto server, and recorded as an ended task like any other."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import EntityRef, Scope
from awsconn.model.results import AwsCredentials, ConnectionTestOutcome, RegionList
from awsconn.service import connectors, monitoring, secrets, task_submit, tasks
from awsconn.service.context import AppContext
from store_fixtures import FakeClock

DOC = """connector:
  name: here
  identifier: here
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {key}
        secretKeyRef: sk
      region: us-east-1
    executeOnDelegate: false
"""


@pytest.fixture
def moto_server(
    aws_env: dict[str, str], db_url: str, tmp_path: Path, store_clock: FakeClock
) -> AppContext:
    environ = {**aws_env, "AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    return AppContext(environ=environ, clock=store_clock, runs_as="server")


def _connector(ctx: AppContext, moto: LocalAwsEndpoint, name: str, *actions: str) -> EntityRef:
    keys = moto.create_user(name, allow_policy(*actions))
    assert keys is not None
    secrets.create(ctx, EntityRef(Scope(), "sk"), keys.secret_access_key.encode())
    connectors.apply_yaml(ctx, DOC.format(key=keys.access_key_id), mode="create")
    return EntityRef(Scope(), "here")


@pytest.mark.timeout(120)
def test_a_connection_test_runs_in_the_server_and_is_recorded(
    moto_server: AppContext, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    ref = _connector(moto_server, moto_auth, unique_name, "ec2:DescribeRegions")
    task = task_submit.submit(moto_server, "connection-test", ref, {"timeoutSeconds": 20})
    assert (task.state, task.owner, task.attempt) == ("succeeded", None, 0)
    assert isinstance(task.result, ConnectionTestOutcome) and task.result.status == "SUCCESS"
    assert [h.status for h in connectors.history(moto_server, ref)] == ["SUCCESS"]
    [change] = monitoring.status_changes(moto_server)
    assert (change.from_status, change.to_status, change.connector) == (None, "SUCCESS", "here")

    regions = task_submit.submit(moto_server, "regions", ref)
    assert isinstance(regions.result, RegionList) and "us-east-1" in regions.result.regions

    creds = task_submit.submit(moto_server, "credentials", ref)
    assert isinstance(creds.result, AwsCredentials)
    with moto_server.db.transaction(write=False) as tx:
        row = tx.tasks.find(creds.id)
    assert row is not None and row.result is None and row.sealed_result is not None
    assert tasks.get(moto_server, creds.id) == creds


@pytest.mark.timeout(120)
def test_a_refusal_from_aws_is_the_tasks_error_with_its_code(
    moto_server: AppContext, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    ref = _connector(moto_server, moto_auth, unique_name, "sts:GetCallerIdentity")
    task = task_submit.submit(moto_server, "regions", ref)
    assert task.state == "failed" and task.error is not None
    assert task.error.code == "DESCRIBE_REGIONS_DENIED"
