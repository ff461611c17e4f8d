"""/metrics with two worker processes: every worker's requests are counted, whichever worker
answers the scrape; connector statuses and tests run are there too."""

from __future__ import annotations

import json
import re
import uuid

from prometheus_client.parser import text_string_to_metric_families
from route_requests import connector_body

from api_fixtures import ApiServer

ROUTE = "/ng/api/connectors/{identifier}"


def _scrape(server: ApiServer) -> dict[str, float]:
    """Samples by ``name{labels}`` (labels sorted)."""
    with server.client(token="") as http:
        text = http.get("/metrics").text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = sample.value
    return out


def _count(samples: dict[str, float], status: str) -> float:
    key = f"awsconn_http_request_duration_seconds_count{{method=GET,route={ROUTE},status={status}}}"
    return samples.get(key, 0.0)


def test_requests_of_both_workers_are_counted(api_server_two_workers: ApiServer) -> None:
    server = api_server_two_workers
    identifier = f"m_{uuid.uuid4().hex[:8]}"
    before = _scrape(server)
    requests = 40
    with server.client() as http:
        assert http.post("/ng/api/connectors", json=connector_body(None, identifier)).is_success
    for _ in range(requests):
        with server.client() as http:  # a new connection each time: both workers serve
            assert http.get(f"/ng/api/connectors/{identifier}").status_code == 200
    for _ in range(10):  # every scrape, whichever worker answers it, sees all of them
        after = _scrape(server)
        assert _count(after, "200") - _count(before, "200") == requests
    assert "awsconn_connectors{status=UNKNOWN}" in after
    assert after["awsconn_connectors{status=UNKNOWN}"] >= 1
    served_by = {
        line["pid"]
        for line in map(json.loads, re.findall(r"^\{.*\}$", server.logs(), re.MULTILINE))
        if line.get("route") == ROUTE and line.get("method") == "GET"
    }
    assert len(served_by) == 2  # both workers served some: the sums above are of both
