"""The server's background loops in real ``awsconn server`` processes: a status change made
by a connection test through the API reaches the alert webhook and /metrics (two workers,
each change once); two replicas on PostgreSQL send each transition once and test a due
connector once; pruning keeps each connector's newest result; the reaper ends an overdue
task with nobody asking; a bad webhook URL stops the server before it listens."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api_fixtures import (
    ApiServer,
    eventually,
    inline_secret_body,
    manual_connector_body,
    metric_samples,
    module_postgres_url,
    ok_data,
)
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import EntityRef, Scope
from awsconn.model.results import HistoryEntry, Identity
from awsconn.service import audit, connectors, delegates, monitoring, task_submit, tasks
from awsconn.service.access import LOCAL_OWNER
from awsconn.service.alerts import WEBHOOK_URL_ENV
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_delegate_token
from status_change_fixtures import connector_yaml, post_outcome
from webhook_fixtures import Receiver

BASE = "/ng/api"
ORG = {"accountIdentifier": "default", "orgIdentifier": "eng"}
FAST = ("--alert-every", "0.2", "--reap-every", "0.2", "--monitor-every", "0.2")


def _service(server: ApiServer) -> AppContext:
    """An in-process context on the server's store (the store's owner), as a server."""
    return AppContext(environ=server.service_environ(), runs_as="server")


def test_a_status_change_reaches_the_webhook_and_the_metrics_once(
    tmp_path: Path, moto_auth: LocalAwsEndpoint, receiver: Receiver
) -> None:
    tag = uuid.uuid4().hex[:8]
    good = moto_auth.create_user(
        f"bg-good-{tag}", allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    denied = moto_auth.create_user(f"bg-denied-{tag}", allow_policy("sts:GetCallerIdentity"))
    server = ApiServer(
        tmp_path / "s",
        aws_endpoint=moto_auth.url,
        args=("--workers", "2", *FAST),
        environ={WEBHOOK_URL_ENV: receiver.url},
    )
    with server, server.client() as http:
        for name, keys in (("good", good), ("denied", denied)):
            body = inline_secret_body(name, keys.secret_access_key)
            ok_data(http.post(f"{BASE}/v2/secrets", params=ORG, json=body))
        prod = manual_connector_body("prod", good.access_key_id, "good")
        ok_data(http.post(f"{BASE}/connectors", params=ORG, json=prod))
        statuses = []
        for keys, secret in ((good, "good"), (denied, "denied"), (good, "good")):
            body = manual_connector_body("prod", keys.access_key_id, secret)
            ok_data(http.put(f"{BASE}/connectors", params=ORG, json=body))
            tested = ok_data(http.post(f"{BASE}/connectors/testConnection/prod", params=ORG))
            statuses.append(tested["status"])
        assert statuses == ["SUCCESS", "FAILURE", "SUCCESS"]

        posts = receiver.wait_for(2)
        bodies = [p.body for p in posts]
        assert [(b["connector"], b["fromStatus"], b["toStatus"]) for b in bodies] == [
            ("eng/prod", "SUCCESS", "FAILURE"),
            ("eng/prod", "FAILURE", "SUCCESS"),
        ]
        assert bodies[0]["errorCode"] == "DESCRIBE_REGIONS_DENIED"
        assert bodies[1]["errorCode"] is None
        for p in posts:
            raw = p.raw.decode()
            assert good.secret_access_key not in raw and denied.secret_access_key not in raw

        changes = "awsconn_connector_status_changes_total"

        def counted() -> dict[str, float] | None:
            found = metric_samples(server)
            last = f"{changes}{{from_status=FAILURE,to_status=SUCCESS}}"
            sent = found.get("awsconn_status_alerts_total{result=sent}")
            return found if sent == 2 and last in found else None

        samples = eventually(counted, "the alerts and the changes counted in /metrics")
        assert samples[f"{changes}{{from_status=NONE,to_status=SUCCESS}}"] == 1
        assert samples[f"{changes}{{from_status=SUCCESS,to_status=FAILURE}}"] == 1
        assert samples[f"{changes}{{from_status=FAILURE,to_status=SUCCESS}}"] == 1
        assert samples["awsconn_connectors{status=SUCCESS}"] == 1
        time.sleep(1.0)  # several more passes of both workers: nothing sent twice
        assert len(receiver.posts) == 2
    assert "background loops started: reaper, pruning, status-metrics" in server.logs()


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, postgres_run_url: str
) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two servers on one PostgreSQL schema (one home: one master key), monitoring on."""
    url = module_postgres_url(postgres_run_url)
    workdir = tmp_path_factory.mktemp("replicas")
    hook = Receiver()
    first = ApiServer(
        workdir / "r1",
        database_url=url,
        args=FAST,
        environ={"AWSCONN_MONITORING": "1", WEBHOOK_URL_ENV: hook.url},
    )
    with first:
        second = ApiServer(
            workdir / "r2",
            database_url=url,
            args=FAST,
            environ={
                "AWSCONN_MONITORING": "1",
                WEBHOOK_URL_ENV: hook.url,
                "AWSCONN_HOME": str(first.home),
            },
        )
        with second:
            second.token = first.token
            first.receiver = hook  # type: ignore[attr-defined]
            yield first, second
    hook.stop()


@pytest.mark.postgres
def test_two_replicas_send_each_transition_once(replicas: tuple[ApiServer, ApiServer]) -> None:
    first, _second = replicas
    hook: Receiver = first.receiver  # type: ignore[attr-defined]
    ctx = _service(first)
    refs = []
    for i in range(3):
        identifier = f"alerted_{i}"
        connectors.apply_yaml(ctx, connector_yaml(identifier), mode="create")
        refs.append(EntityRef(Scope(), identifier))
    for ref in refs:
        post_outcome(ctx, ref, "SUCCESS")
        for _ in range(2):
            post_outcome(ctx, ref, "FAILURE", code="ACCESS_DENIED")
            post_outcome(ctx, ref, "SUCCESS")
    posts = hook.wait_for(12)
    time.sleep(1.0)  # more passes on both replicas: nothing more comes
    ids = [p.body["changeId"] for p in hook.posts]
    assert len(ids) == 12 and len(set(ids)) == 12 and ids == sorted(ids)
    for ref in refs:
        mine = [p.body for p in posts if p.body["connector"] == str(ref)]
        assert [b["toStatus"] for b in mine] == ["FAILURE", "SUCCESS"] * 2

    def both_counted() -> float | None:
        key = "awsconn_connector_status_changes_total{from_status=SUCCESS,to_status=FAILURE}"
        total = sum(metric_samples(s).get(key, 0.0) for s in replicas)
        return total if total == 6 else None

    eventually(both_counted, "each change counted once over both replicas")
    ctx.close()


@pytest.mark.postgres
def test_a_due_connector_is_tested_once_across_replicas(
    replicas: tuple[ApiServer, ApiServer],
) -> None:
    first, _ = replicas
    ctx = _service(first)
    refs = []
    for i in range(30):
        identifier = f"due_{i}"
        text = connector_yaml(identifier).replace("- watch", "- nowhere")
        connectors.apply_yaml(ctx, text, mode="create")
        refs.append(EntityRef(Scope(), identifier))
    now = ctx.clock()
    with ctx.db.transaction() as tx:  # due now; the next time an hour on
        for ref in refs:
            row = tx.connectors.get(org=None, project=None, identifier=ref.identifier)
            tx.monitor.set_interval(row.id, minutes=60, next_test_at=now)

    def tested() -> list[Any] | None:
        found = [
            t
            for t in tasks.list_tasks(ctx, kinds=["connection-test"], limit=1000)
            if t.connector.startswith("due_")
        ]
        return found if len(found) >= len(refs) else None

    eventually(tested, "every due connector tested")
    time.sleep(1.0)  # several more looks by both replicas
    found = tested()
    assert found is not None
    assert sorted(t.connector for t in found) == sorted(str(r) for r in refs)  # once each
    assert {(t.state, t.error.code if t.error else None) for t in found} == {
        ("failed", "DELEGATE_UNAVAILABLE")
    }
    events = audit.list_audit(ctx, action="task.connection-test", limit=100).events
    assert {e.actor for e in events if e.target.ref.startswith("due_")} == {"awsconn-server"}
    later = monitoring.schedule_of(ctx, refs[0]).next_test_at
    assert later is not None and later - now >= timedelta(minutes=54)
    ctx.close()


def test_pruning_keeps_each_connectors_newest_result(tmp_path: Path) -> None:
    server = ApiServer(
        tmp_path / "s", args=("--prune-every", "0.2"), environ={"AWSCONN_HISTORY_DAYS": "1"}
    )
    with server:
        ctx = _service(server)
        connectors.apply_yaml(ctx, connector_yaml("old"), mode="create")
        ref = EntityRef(Scope(), "old")
        now = ctx.clock()
        with ctx.db.transaction() as tx:
            for days, status in ((5, "SUCCESS"), (4, "FAILURE"), (3, "SUCCESS")):
                at = now - timedelta(days=days)
                entry = HistoryEntry(
                    connector="old", status=status, identity=Identity(), region="us-east-1",
                    tested_at=at, duration_ms=5, errors=[],
                )  # fmt: skip
                tx.connectors.record_test(
                    org=None, project=None, identifier="old", status=status, tested_at=at,
                    result=entry.wire(),
                )  # fmt: skip

        def pruned() -> list[str] | None:
            statuses = [h.status for h in connectors.history(ctx, ref)]
            return statuses if len(statuses) == 1 else None

        assert eventually(pruned, "history pruned to the newest result") == ["SUCCESS"]
        assert monitoring.status_changes(ctx) == []
        ctx.close()


def test_the_reaper_ends_an_overdue_task_with_nobody_asking(tmp_path: Path) -> None:
    with ApiServer(tmp_path / "s", args=("--reap-every", "0.2")) as server:
        ctx = _service(server)
        connectors.apply_yaml(ctx, connector_yaml("slow"), mode="create")
        token = create_delegate_token(ctx.for_request(LOCAL_OWNER), name="idle").token
        idle = ctx.for_request(authenticate(ctx.runtime, token))
        caps = ["connection-test", "identity:InheritFromDelegate"]
        delegates.register(idle, name="idle", tags=["watch"], capabilities=caps, version="1")
        task = task_submit.submit(ctx, "connection-test", EntityRef(Scope(), "slow"), deadline_s=5)
        assert task.state == "queued"

        def ended() -> str | None:
            with ctx.db.transaction(write=False) as tx:  # the row: no get() to expire it
                row = tx.tasks.find(task.id)
            assert row is not None
            return row.state if row.state != "queued" else None

        assert eventually(ended, "the overdue task expired") == "expired"
        ctx.close()


def test_a_bad_webhook_url_stops_the_server_before_it_listens(tmp_path: Path) -> None:
    server = ApiServer(tmp_path / "s", environ={WEBHOOK_URL_ENV: "ftp://hooks.example/T0KEN"})
    server.port = 1
    done = subprocess.run(
        server.command(), env=server.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert WEBHOOK_URL_ENV in done.stderr and "is not an http or https URL" in done.stderr
    assert "T0KEN" not in done.stderr and "Traceback" not in done.stderr
    assert not (server.home / "admin-token").exists()  # refused before anything was made
