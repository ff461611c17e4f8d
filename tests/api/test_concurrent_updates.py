"""50 clients update one connector at once (SQLite with two workers; PostgreSQL): every write
applies or gets 409, no update is lost, and the audit log has one event per write applied,
with every version once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from route_requests import connector_body

from api_fixtures import ApiServer

CLIENTS = 50
ORG = {"orgIdentifier": "eng"}


@pytest.fixture(params=["sqlite-2-workers", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> ApiServer:
    name = "api_server_two_workers" if request.param.startswith("sqlite") else "api_server_pg"
    found: ApiServer = request.getfixturevalue(name)
    return found


def _updates(server: ApiServer, identifier: str) -> list[dict[str, Any]]:
    with server.client() as http:
        answer = http.get("/ng/api/awsconn/audit", params={**ORG, "pageSize": 1000, "pageIndex": 0})
    assert answer.status_code == 200, answer.text
    return [
        e
        for e in answer.json()["data"]["content"]
        if e["action"] == "connector.update" and e["target"]["ref"] == f"eng/{identifier}"
    ]


def test_read_modify_write_with_if_match_loses_nothing(server: ApiServer) -> None:
    identifier = f"race_{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        made = http.post("/ng/api/connectors", json=connector_body("eng", identifier))
        assert made.status_code == 200, made.text

    def client(i: int) -> tuple[int, str]:
        with server.client() as http:
            read = http.get(f"/ng/api/connectors/{identifier}", params=ORG)
            document = {"connector": read.json()["data"]["connector"]}
            document["connector"]["tags"][f"writer{i}"] = "yes"
            wrote = http.put(
                "/ng/api/connectors",
                params=ORG,
                json=document,
                headers={"If-Match": read.headers["etag"]},
            )
        return wrote.status_code, f"writer{i}"

    with ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = list(pool.map(client, range(CLIENTS)))
    assert {status for status, _ in outcomes} <= {200, 409}, outcomes
    applied = {tag for status, tag in outcomes if status == 200}
    assert applied, "at least the first writer applies"
    with server.client() as http:
        final = http.get(f"/ng/api/connectors/{identifier}", params=ORG)
    # each applied write was made on the version before it: the tags of all of them remain
    assert set(final.json()["data"]["connector"]["tags"]) == applied
    assert final.json()["data"]["version"] == 1 + len(applied)
    events = _updates(server, identifier)
    ok = [e for e in events if e["outcome"] == "ok"]
    assert sorted(e["version"] for e in ok) == list(range(2, 2 + len(applied)))
    refused = [e for e in events if e["outcome"] != "ok"]  # every 409 is in the log too
    assert len(refused) == CLIENTS - len(applied)
    assert {(e["outcome"], e["detail"]["errorCode"]) for e in refused} <= {("failed", "CONFLICT")}


def test_blind_writes_all_apply_or_conflict_and_history_is_complete(server: ApiServer) -> None:
    identifier = f"blind_{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        assert http.post("/ng/api/connectors", json=connector_body("eng", identifier)).is_success

    def client(i: int) -> int:
        document = connector_body("eng", identifier)
        document["connector"]["description"] = f"writer {i}"
        with server.client() as http:
            return http.put("/ng/api/connectors", json=document).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(client, range(CLIENTS)))
    assert set(statuses) <= {200, 409}, statuses
    applied = statuses.count(200)
    with server.client() as http:
        final = http.get(f"/ng/api/connectors/{identifier}", params=ORG).json()["data"]
    assert final["version"] == 1 + applied
    events = _updates(server, identifier)
    versions = sorted(e["version"] for e in events if e["outcome"] == "ok")
    assert versions == list(range(2, 2 + applied))
    assert len(events) == CLIENTS
