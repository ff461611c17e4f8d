"""Scale-out with real processes: one PostgreSQL, two server replicas, three delegates,
1,000 tasks; one delegate killed (SIGKILL) holding tasks and one replica restarted in the
middle of the run. A check over the task table proves every task finished exactly once.

The tasks are ``credentials`` of an InheritFromDelegate connector: each delegate answers
with its own ambient credentials (sealed by the server before they are stored). The two
steady delegates have environment keys (no AWS call: the queue is what is measured); the
doomed one has a web identity whose STS endpoint accepts connections and never answers,
so it is certainly in the middle of its tasks when it is killed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_fixtures import DelegateProcess, DelegateServer, add_connector, delegate_token
from sqlalchemy import create_engine, text

from api_fixtures import module_postgres_url
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import EntityRef, Scope
from awsconn.service import task_submit
from awsconn.service.context import AppContext

pytestmark = [pytest.mark.aws, pytest.mark.postgres, pytest.mark.timeout(300)]

TASKS = 1000


@pytest.fixture
def replicas(
    tmp_path: Path, postgres_run_url: str, moto_auth: LocalAwsEndpoint
) -> Iterator[tuple[DelegateServer, DelegateServer, str]]:
    """Two servers on one PostgreSQL schema and one home (one master key); the reaper runs
    every second on both."""
    url = module_postgres_url(postgres_run_url)
    fast = ("--reap-every", "1")
    first = DelegateServer(tmp_path / "r1", aws_endpoint=moto_auth.url, database_url=url, args=fast)
    with first:
        second = DelegateServer(
            tmp_path / "r2",
            aws_endpoint=moto_auth.url,
            database_url=url,
            args=fast,
            environ={"AWSCONN_HOME": str(first.home)},
        )
        with second:
            second.token = first.token
            yield first, second, url


def _rows(url: str, connector: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT id, state, attempt, owner, version, finished_at, result, "
                    "result_digest, error FROM tasks WHERE connector = :c"
                ),
                {"c": connector},
            )
            return [dict(r._mapping) for r in found]
    finally:
        engine.dispose()


def _succeeded(url: str, connector: str) -> int:
    return sum(1 for r in _rows(url, connector) if r["state"] == "succeeded")


def _wait(what: str, check: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"not {what} within {timeout_s} s")


def test_a_thousand_tasks_finish_exactly_once_through_a_kill_and_a_restart(
    replicas: tuple[DelegateServer, DelegateServer, str],
    tmp_path: Path,
    moto_auth: LocalAwsEndpoint,
    silent_endpoint: str,
) -> None:
    first, second, url = replicas
    tag = f"scale-{uuid.uuid4().hex[:6]}"
    connector = f"c_{tag.replace('-', '_')}"
    add_connector(first, connector, credential={"type": "InheritFromDelegate"}, selectors=[tag])
    keys = moto_auth.create_user(f"u-{tag}", allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    aws = {"AWS_ACCESS_KEY_ID": keys.access_key_id, "AWS_SECRET_ACCESS_KEY": keys.secret_access_key}
    token = delegate_token(first)

    def delegate(name: str, server: DelegateServer, endpoint: str) -> DelegateProcess:
        return DelegateProcess(
            server, tmp_path, name=name, tags=[tag], token=token, aws_endpoint=endpoint, aws=aws,
            concurrency=4,
        )  # fmt: skip

    steady = [delegate("d1", first, moto_auth.url), delegate("d2", second, moto_auth.url)]
    token_file = tmp_path / "web-identity-token"
    token_file.write_text("eyJhbGciOiJub25lIn0.e30.")
    doomed = DelegateProcess(
        first, tmp_path, name="d3", tags=[tag], token=token, aws_endpoint=silent_endpoint,
        aws={"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/doomed",
             "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file)},
    )  # fmt: skip
    everyone = [*steady, doomed]
    try:
        for d in everyone:
            d.start()
        ids = {d.name: d.wait_connected()["id"] for d in everyone}

        submitter = AppContext(environ=first.service_environ(), runs_as="server")
        submitted: list[str] = []

        def submit_all() -> None:  # the service's submit, as a server's route calls it
            ref = EntityRef(Scope(), connector)
            params = {"timeoutSeconds": 600}  # the doomed delegate never ends its own
            for _ in range(TASKS):
                submitted.append(task_submit.submit(submitter, "credentials", ref, params).id)

        submitting = threading.Thread(target=submit_all)
        submitting.start()
        try:
            doomed.wait_log(" taken: credentials", timeout_s=60)  # it holds tasks it cannot end
            doomed.kill()
            held_by_doomed = doomed.logs().count(" taken: credentials")
            _wait("a third done", lambda: _succeeded(url, connector) >= TASKS // 3, 120)
            second.stop()  # a replica goes away mid-run and comes back on its port
            second.relaunch()
        finally:
            submitting.join(timeout=240)
            submitter.close()
        assert len(set(submitted)) == TASKS
        _wait("all done", lambda: _succeeded(url, connector) == TASKS, 180)
    finally:
        for d in everyone:
            d.stop()

    rows = _rows(url, connector)
    assert {r["id"] for r in rows} == set(submitted)  # none lost, none made up
    assert {r["state"] for r in rows} == {"succeeded"}
    for row in rows:
        assert row["finished_at"] is not None and row["result_digest"] and row["error"] is None
        assert row["owner"] in (ids["d1"], ids["d2"])
        # attempt claims, attempt - 1 requeues, exactly one finish
        assert row["version"] == 2 * row["attempt"] + 1, row
    retried = [r for r in rows if r["attempt"] > 1]
    assert len(retried) >= held_by_doomed >= 1  # the killed delegate's tasks came back
    took = [d.logs().count(" taken: credentials") for d in steady]
    assert min(took) > 0, took
    assert "Traceback" not in first.logs() + second.logs()
    for d in steady:
        assert "Traceback" not in d.logs() and "unexpected" not in d.logs()
