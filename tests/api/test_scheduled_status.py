"""A connection test nobody asked for (the monitor's, on the connector's schedule) shows
where a user's would: the connector's Harness ``status``, the listing, its history and
``/metrics``; a later scheduled test that fails changes all of them, and the connector's
schedule moves to its next time. A real ``awsconn server`` with monitoring on and a
moto server enforcing IAM auth."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from api_fixtures import (
    ApiServer,
    eventually,
    inline_secret_body,
    manual_connector_body,
    metric_samples,
    ok_data,
)
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.model import EntityRef, Scope
from awsconn.service import audit
from awsconn.service.context import AppContext

BASE = "/ng/api"
ORG = {"accountIdentifier": "default", "orgIdentifier": "eng"}
FAST = ("--reap-every", "0.2", "--monitor-every", "0.2", "--alert-every", "0.2")


def _due_now(server: ApiServer) -> None:
    """Set-up: the connector's next scheduled test is now (its interval stays an hour)."""
    ctx = AppContext(environ=server.service_environ(), runs_as="server")
    try:
        with ctx.db.transaction() as tx:
            row = tx.connectors.get(org="eng", project=None, identifier="watched")
            tx.monitor.set_interval(row.id, minutes=60, next_test_at=ctx.clock())
    finally:
        ctx.close()


def test_a_scheduled_test_shows_in_status_list_history_and_metrics(
    tmp_path: Path, moto_auth: LocalAwsEndpoint
) -> None:
    tag = uuid.uuid4().hex[:8]
    good = moto_auth.create_user(
        f"sched-good-{tag}", allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    denied = moto_auth.create_user(f"sched-denied-{tag}", allow_policy("sts:GetCallerIdentity"))
    server = ApiServer(
        tmp_path / "s",
        aws_endpoint=moto_auth.url,
        args=FAST,
        environ={"AWSCONN_MONITORING": "1"},
    )
    one = f"{BASE}/connectors/watched"
    with server, server.client() as http:
        for name, keys in (("good", good), ("denied", denied)):
            ok_data(
                http.post(
                    f"{BASE}/v2/secrets",
                    params=ORG,
                    json=inline_secret_body(name, keys.secret_access_key),
                )
            )
        ok_data(
            http.post(
                f"{BASE}/connectors",
                params=ORG,
                json=manual_connector_body("watched", good.access_key_id, "good"),
            )
        )
        assert ok_data(http.get(one, params=ORG))["status"]["status"] == "UNKNOWN"

        def status_is(wanted: str) -> Callable[[], dict[str, Any] | None]:
            def probe() -> dict[str, Any] | None:
                status: dict[str, Any] = ok_data(http.get(one, params=ORG))["status"]
                return status if status["status"] == wanted else None

            return probe

        _due_now(server)
        status = eventually(status_is("SUCCESS"), "the scheduled test's SUCCESS")
        assert status["lastTestedAt"] > 0 and status["lastConnectedAt"] == status["lastTestedAt"]
        listed = ok_data(http.get(f"{BASE}/connectors", params=ORG))["content"]
        assert [c["status"]["status"] for c in listed] == ["SUCCESS"]
        history = ok_data(http.get(f"{BASE}/awsconn/connectors/watched/history", params=ORG))
        assert [h["status"] for h in history] == ["SUCCESS"]
        assert metric_samples(server)["awsconn_connectors{status=SUCCESS}"] == 1
        schedule = ok_data(http.get(f"{BASE}/awsconn/connectors/watched/schedule", params=ORG))
        assert (schedule["intervalMinutes"], schedule["ownInterval"]) == (60, True)
        ahead = timedelta(milliseconds=schedule["nextTestAt"] - status["lastTestedAt"])
        assert ahead >= timedelta(minutes=54)  # an hour on, ±10 %

        # the keys lose DescribeRegions; the next scheduled test fails, everywhere
        ok_data(
            http.put(
                f"{BASE}/connectors",
                params=ORG,
                json=manual_connector_body("watched", denied.access_key_id, "denied"),
            )
        )
        _due_now(server)
        failed = eventually(status_is("FAILURE"), "the scheduled test's FAILURE")
        assert failed["errors"][0]["reason"] == "DESCRIBE_REGIONS_DENIED"
        assert failed["lastConnectedAt"] == status["lastTestedAt"]  # its last success
        listed = ok_data(http.get(f"{BASE}/connectors", params=ORG))["content"]
        assert [c["status"]["status"] for c in listed] == ["FAILURE"]
        history = ok_data(http.get(f"{BASE}/awsconn/connectors/watched/history", params=ORG))
        assert [h["status"] for h in history] == ["FAILURE", "SUCCESS"]

        def changed() -> dict[str, float] | None:
            found = metric_samples(server)
            key = "awsconn_connector_status_changes_total{from_status=SUCCESS,to_status=FAILURE}"
            return found if found.get(key) == 1 else None

        samples = eventually(changed, "the change counted in /metrics")
        assert samples["awsconn_connectors{status=FAILURE}"] == 1
        assert samples.get("awsconn_connectors{status=SUCCESS}", 0) == 0

    ctx = AppContext(environ=server.service_environ(), runs_as="server")
    try:
        events = audit.list_audit(ctx, action="task.connection-test", limit=10).events
        mine = [e for e in events if e.target.ref == str(EntityRef(Scope("eng"), "watched"))]
        assert len(mine) == 2 and {e.actor for e in mine} == {"awsconn-server"}
    finally:
        ctx.close()
