"""The Harness shapes end to end, on SQLite and PostgreSQL: a secret, then create -> get ->
list -> testConnection -> delete of a connector, with Harness's paths, query parameters and
envelopes; the connection test runs in the server (executeOnDelegate: false) against the
local AWS endpoint and answers SUCCESS or FAILURE, never PENDING; one that needs a
delegate is refused at once."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from route_requests import connector_body

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

BASE = "/ng/api"
ORG = {"accountIdentifier": "default", "orgIdentifier": "eng"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> ApiServer:
    name = "api_server" if request.param == "sqlite" else "api_server_pg"
    found: ApiServer = request.getfixturevalue(name)
    return found


def _data(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"status", "data", "metaData", "correlationId"}
    assert body["status"] == "SUCCESS" and body["correlationId"]
    assert answer.headers["x-correlation-id"] == body["correlationId"]
    return body["data"]


def _error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["status"] == "ERROR" and body["code"] == code
    assert body["correlationId"] == answer.headers["x-correlation-id"]
    assert "Traceback" not in answer.text
    return body


def _connector(identifier: str, key_id: str, secret: str, **spec: Any) -> dict[str, Any]:
    return {
        "connector": {
            "name": f"Prod {identifier}",
            "identifier": identifier,
            "orgIdentifier": "eng",
            "description": "deploys",
            "tags": {"team": "platform"},
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "spec": {"accessKey": key_id, "secretKeyRef": secret},
                    "region": "us-east-1",
                },
                "delegateSelectors": [],
                "executeOnDelegate": False,
                **spec,
            },
        }
    }


def _secret(identifier: str, value: str) -> dict[str, Any]:
    return {
        "secret": {
            "type": "SecretText",
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": "eng",
            "description": "the secret key",
            "spec": {
                "secretManagerIdentifier": "harnessSecretManager",
                "valueType": "Inline",
                "value": value,
            },
        }
    }


def test_create_get_list_test_delete(server: ApiServer, moto_auth: LocalAwsEndpoint) -> None:
    tag = uuid.uuid4().hex[:8]
    good = moto_auth.create_user(
        f"api-good-{tag}", allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    denied = moto_auth.create_user(f"api-denied-{tag}", allow_policy("sts:GetCallerIdentity"))
    assert good is not None and denied is not None
    ok_id, bad_id, far_id = f"ok_{tag}", f"bad_{tag}", f"far_{tag}"
    before = int(time.time() * 1000) - 5000
    with server.client() as http:
        # secrets: the value goes in, the answer holds none
        created = _data(
            http.post(
                f"{BASE}/v2/secrets", params=ORG, json=_secret(f"sk_{tag}", good.secret_access_key)
            )
        )
        assert created["secret"]["identifier"] == f"sk_{tag}"
        assert "value" not in created["secret"]["spec"]
        assert created["createdAt"] >= before
        _data(
            http.post(
                f"{BASE}/v2/secrets",
                params=ORG,
                json=_secret(f"dk_{tag}", denied.secret_access_key),
            )
        )
        got = _data(http.get(f"{BASE}/v2/secrets/sk_{tag}", params=ORG))
        assert got["secret"]["orgIdentifier"] == "eng" and good.secret_access_key not in str(got)
        listed = _data(http.get(f"{BASE}/v2/secrets", params={**ORG, "searchTerm": tag}))
        assert listed["totalItems"] == 2 and listed["pageIndex"] == 0

        # create (JSON), with the scope in the body and the query repeating it
        made = http.post(
            f"{BASE}/connectors",
            params=ORG,
            json=_connector(ok_id, good.access_key_id, f"sk_{tag}"),
        )
        response = _data(made)
        assert made.headers["etag"] == '"1"'
        info = response["connector"]
        assert info["identifier"] == ok_id and info["orgIdentifier"] == "eng"
        assert info["accountIdentifier"] == "default" and info["type"] == "Aws"
        assert info["spec"]["credential"]["spec"]["secretKeyRef"] == f"sk_{tag}"
        assert response["status"] == {"status": "UNKNOWN"}
        assert response["createdAt"] == response["lastModifiedAt"] >= before
        # create (YAML), the scope only in the body
        yaml_doc = (
            f"connector:\n  name: denied\n  identifier: {bad_id}\n  orgIdentifier: eng\n"
            "  type: Aws\n  spec:\n    credential:\n      type: ManualConfig\n"
            f"      spec:\n        accessKey: {denied.access_key_id}\n"
            f"        secretKeyRef: dk_{tag}\n      region: us-east-1\n"
            "    delegateSelectors: []\n    executeOnDelegate: false\n"
        )
        made = http.post(
            f"{BASE}/connectors", content=yaml_doc, headers={"Content-Type": "application/yaml"}
        )
        assert _data(made)["connector"]["identifier"] == bad_id
        far = _connector(far_id, good.access_key_id, f"sk_{tag}", executeOnDelegate=True)
        far["connector"]["spec"]["delegateSelectors"] = ["gpu"]
        _data(http.post(f"{BASE}/connectors", json=far))

        # get, list (GET with Harness's paging), listV2 (a filter body)
        got = _data(http.get(f"{BASE}/connectors/{ok_id}", params=ORG))
        assert got["connector"] == info
        page = _data(
            http.get(
                f"{BASE}/connectors",
                params={**ORG, "pageIndex": 0, "pageSize": 2, "searchTerm": tag},
            )
        )
        assert page["totalItems"] == 3 and page["totalPages"] == 2
        assert page["pageItemCount"] == 2 and page["pageSize"] == 2 and not page["empty"]
        assert [c["connector"]["identifier"] for c in page["content"]] == [bad_id, far_id]
        filtered = _data(
            http.post(
                f"{BASE}/connectors/listV2",
                params={**ORG, "searchTerm": tag},
                json={"filterType": "Connector", "connectorConnectivityModes": ["MANAGER"]},
            )
        )
        assert [c["connector"]["identifier"] for c in filtered["content"]] == [bad_id, ok_id]

        # testConnection: the final answer, SUCCESS or FAILURE (HTTP 200 either way)
        result = _data(http.post(f"{BASE}/connectors/testConnection/{ok_id}", params=ORG))
        assert result["status"] == "SUCCESS", result
        assert result["testedAt"] >= before and result["identity"]["account"] == "123456789012"
        failed = _data(http.post(f"{BASE}/connectors/testConnection/{bad_id}", params=ORG))
        assert failed["status"] == "FAILURE"
        assert failed["errors"][0]["reason"] == "DESCRIBE_REGIONS_DENIED"
        assert failed["errors"][0]["code"] == 450
        assert failed["errorSummary"].startswith("DESCRIBE_REGIONS_DENIED (")
        started = time.monotonic()
        refused = _data(http.post(f"{BASE}/connectors/testConnection/{far_id}", params=ORG))
        assert time.monotonic() - started < 10  # failed at once, never left waiting
        assert refused["status"] == "FAILURE"
        [why] = refused["errors"]
        assert why["reason"] == "DELEGATE_UNAVAILABLE"
        assert "delegateSelectors: gpu" in why["detailedMessage"]
        assert "no delegate is connected" in why["detailedMessage"]
        status = _data(http.get(f"{BASE}/connectors/{ok_id}", params=ORG))["status"]
        assert status["status"] == "SUCCESS"
        assert status["lastTestedAt"] == status["lastConnectedAt"] == result["testedAt"]
        history = _data(http.get(f"{BASE}/awsconn/connectors/{ok_id}/history", params=ORG))
        assert [h["status"] for h in history] == ["SUCCESS"]
        assert history[0]["testedAt"] == result["testedAt"]

        # delete, then it is gone
        for identifier in (ok_id, bad_id, far_id):
            assert _data(http.delete(f"{BASE}/connectors/{identifier}", params=ORG)) is True
        _error(http.get(f"{BASE}/connectors/{ok_id}", params=ORG), 404, "RESOURCE_NOT_FOUND")
        assert _data(http.delete(f"{BASE}/v2/secrets/sk_{tag}", params=ORG)) is True
        assert _data(http.delete(f"{BASE}/v2/secrets/dk_{tag}", params=ORG)) is True


def test_bad_input_is_400_with_every_problem_at_its_path(server: ApiServer) -> None:
    doc = _connector("x1", "AKIAIOSFODNN7EXAMPLE", "missing_secret")
    doc["connector"]["spec"]["credential"]["region"] = "us-nowhere-1"
    del doc["connector"]["name"]
    with server.client() as http:
        body = _error(http.post(f"{BASE}/connectors", json=doc), 400, "INVALID_REQUEST")
        paths = {p["path"] for p in body["problems"]}
        assert {"connector.spec.credential.region", "connector.name"} <= paths
        assert "connector.spec.credential.spec.secretKeyRef" in paths
        assert body["awsconnCode"] == "VALIDATION_FAILED"
        assert body["message"].startswith("connector is not valid (")
        # the query contradicts the body's scope
        doc = _connector("x2", "AKIAIOSFODNN7EXAMPLE", "s")
        body = _error(
            http.post(f"{BASE}/connectors", params={"orgIdentifier": "web"}, json=doc),
            400,
            "INVALID_REQUEST",
        )
        assert body["problems"][0]["path"] == "orgIdentifier"
        # another account is 404 naming it
        body = _error(
            http.get(f"{BASE}/connectors", params={"accountIdentifier": "acme"}),
            404,
            "RESOURCE_NOT_FOUND",
        )
        assert "'acme'" in body["message"]
        # not JSON, a page out of range, a shape FastAPI checks
        body = _error(
            http.post(
                f"{BASE}/connectors", content=b"{", headers={"Content-Type": "application/json"}
            ),
            400,
            "INVALID_REQUEST",
        )
        page = http.get(f"{BASE}/connectors", params={"pageSize": 0})
        assert _error(page, 400, "INVALID_REQUEST")["problems"][0]["path"] == "pageSize"
        wrong = http.post(f"{BASE}/connectors/listV2", json={"filterType": "Pipeline"})
        assert _error(wrong, 400, "INVALID_REQUEST")["problems"][0]["path"] == "filterType"
        # an update of a connector that does not exist
        missing = connector_body("eng", "never_made")
        _error(http.put(f"{BASE}/connectors", json=missing), 404, "RESOURCE_NOT_FOUND")
        # unknown endpoints and methods answer in the same shape
        _error(http.get(f"{BASE}/nothing-here"), 404, "RESOURCE_NOT_FOUND")
        _error(http.patch(f"{BASE}/connectors"), 405, "INVALID_REQUEST")


def test_a_correlation_id_given_is_echoed(server: ApiServer) -> None:
    with server.client(headers={"X-Correlation-Id": "trace-123"}) as http:
        answer = http.get(f"{BASE}/connectors/none_such")
    assert answer.headers["x-correlation-id"] == "trace-123"
    assert answer.json()["correlationId"] == "trace-123"
    with server.client(headers={"X-Correlation-Id": "bad id\twith spaces"}) as http:
        answer = http.get("/healthz")
    assert answer.headers["x-correlation-id"] != "bad id\twith spaces"
    assert answer.json()["correlationId"] == answer.headers["x-correlation-id"]
