"""awsconn's additions to Harness's endpoints, over plain HTTP: a connector's ``status``
carries its last test's errors and summary; a secret's answer its ``version`` and
``keyId``; listings across scopes (``allScopes``) and by tag key (``tagKeys``); and
``connectors/apply``: several documents, all or nothing, dry runs, YAML or JSON."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from route_requests import connector_body

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

BASE = "/ng/api"
APPLY = f"{BASE}/awsconn/connectors/apply"


def _data(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def _secret(identifier: str, value: str, org: str | None = None) -> dict[str, Any]:
    secret: dict[str, Any] = {
        "type": "SecretText",
        "name": identifier,
        "identifier": identifier,
        "spec": {
            "secretManagerIdentifier": "harnessSecretManager",
            "valueType": "Inline",
            "value": value,
        },
    }
    if org:
        secret["orgIdentifier"] = org
    return {"secret": secret}


def _manual(identifier: str, key_id: str, secret: str, org: str | None = None) -> dict[str, Any]:
    doc = connector_body(org, identifier)
    doc["connector"]["spec"] = {
        "credential": {
            "type": "ManualConfig",
            "spec": {"accessKey": key_id, "secretKeyRef": secret},
            "region": "us-east-1",
        },
        "delegateSelectors": [],
        "executeOnDelegate": False,
    }
    return doc


def test_a_connector_status_carries_its_last_test_errors(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    denied = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    assert denied is not None
    org = f"o{unique_name}"
    with api_server.client() as http:
        _data(http.post(f"{BASE}/v2/secrets", json=_secret("sk", denied.secret_access_key, org)))
        made = _data(
            http.post(
                f"{BASE}/connectors", json=_manual(unique_name, denied.access_key_id, "sk", org)
            )
        )
        assert made["status"] == {"status": "UNKNOWN"}
        scope = {"orgIdentifier": org}
        test = _data(http.post(f"{BASE}/connectors/testConnection/{unique_name}", params=scope))
        assert test["status"] == "FAILURE"
        got = _data(http.get(f"{BASE}/connectors/{unique_name}", params=scope))["status"]
        listed = _data(http.get(f"{BASE}/connectors", params=scope))["content"][0]["status"]
        filtered = _data(
            http.post(f"{BASE}/connectors/listV2", params=scope, json={"filterType": "Connector"})
        )
        for status in (got, listed, filtered["content"][0]["status"]):
            assert status["status"] == "FAILURE"
            assert status["errorSummary"] == test["errorSummary"]
            assert status["errorSummary"].startswith("DESCRIBE_REGIONS_DENIED (")
            assert status["errors"] == test["errors"]
            assert status["testedAt"] == test["testedAt"]
            assert denied.secret_access_key not in str(status)
        updated = _manual(unique_name, denied.access_key_id, "sk", org)
        updated["connector"]["description"] = "changed"
        after_write = _data(http.put(f"{BASE}/connectors", json=updated))["status"]
        assert after_write["errors"] == test["errors"]  # a write keeps the last test's result


def test_a_secret_answer_carries_its_version_and_key_id(
    api_server: ApiServer, unique_name: str
) -> None:
    with api_server.client() as http:
        made = _data(http.post(f"{BASE}/v2/secrets", json=_secret(unique_name, "v1")))
        assert made["version"] == 1 and made["keyId"]
        again = _data(http.put(f"{BASE}/v2/secrets/{unique_name}", json=_secret(unique_name, "v2")))
        assert again["version"] == 2 and again["keyId"] == made["keyId"]
        got = _data(http.get(f"{BASE}/v2/secrets/{unique_name}"))
        assert (got["version"], got["keyId"]) == (2, made["keyId"])


def test_listings_across_scopes_and_by_tag_key(api_server: ApiServer, unique_name: str) -> None:
    org = f"o{unique_name}"
    scopes = ((None, None), (org, None), (org, "web"))
    with api_server.client() as http:
        for o, p in scopes:
            secret = _secret(unique_name, "v", o)
            if p:
                secret["secret"]["projectIdentifier"] = p
            _data(http.post(f"{BASE}/v2/secrets", json=secret))
            doc = connector_body(o, unique_name)
            if p:
                doc["connector"]["projectIdentifier"] = p
            doc["connector"]["tags"] = {"owner": p or o or "account"}
            _data(http.post(f"{BASE}/connectors", json=doc))
        search = {"searchTerm": unique_name, "pageSize": 2}
        first = _data(http.get(f"{BASE}/connectors", params={**search, "allScopes": "true"}))
        second = _data(
            http.get(f"{BASE}/connectors", params={**search, "allScopes": "true", "pageIndex": 1})
        )
        assert first["totalItems"] == 3 and first["totalPages"] == 2
        scoped = [
            (c["connector"].get("orgIdentifier"), c["connector"].get("projectIdentifier"))
            for c in first["content"] + second["content"]
        ]
        assert scoped == list(scopes)
        in_org = _data(
            http.get(f"{BASE}/connectors", params={"orgIdentifier": org, "allScopes": "true"})
        )
        assert in_org["totalItems"] == 2
        assert (
            _data(http.get(f"{BASE}/connectors", params={"orgIdentifier": org}))["totalItems"] == 1
        )  # Harness's own listing: one scope
        secrets = _data(
            http.get(f"{BASE}/v2/secrets", params={"searchTerm": unique_name, "allScopes": "true"})
        )
        assert [
            (s["secret"].get("orgIdentifier"), s["secret"].get("projectIdentifier"))
            for s in secrets["content"]
        ] == list(scopes)
        by_key = {"filterType": "Connector", "tagKeys": ["owner"]}
        keyed = _data(
            http.post(
                f"{BASE}/connectors/listV2",
                params={"allScopes": "true", "searchTerm": unique_name},
                json=by_key,
            )
        )
        assert keyed["totalItems"] == 3
        both = {**by_key, "tags": {"owner": "web"}}
        one = _data(
            http.post(
                f"{BASE}/connectors/listV2",
                params={"allScopes": "true", "searchTerm": unique_name},
                json=both,
            )
        )
        assert [c["connector"].get("projectIdentifier") for c in one["content"]] == ["web"]


def test_an_org_token_across_scopes_sees_its_org_only(
    api_server: ApiServer, unique_name: str
) -> None:
    org = f"o{unique_name}"
    with api_server.client() as http:
        for o in (None, org):
            _data(http.post(f"{BASE}/connectors", json=connector_body(o, unique_name)))
    viewer = api_server.make_token("viewer", org=org)
    with api_server.client(token=viewer) as http:
        seen = _data(
            http.get(f"{BASE}/connectors", params={"allScopes": "true", "searchTerm": unique_name})
        )
        assert [c["connector"].get("orgIdentifier") for c in seen["content"]] == [org]
        assert http.get(f"{BASE}/connectors").status_code == 403  # the account's own: not its


def test_apply_writes_several_documents_all_or_nothing_with_dry_runs(
    api_server: ApiServer, unique_name: str
) -> None:
    docs = [connector_body(None, f"{unique_name}_{i}") for i in range(2)]
    text = "---\n".join(yaml.safe_dump(d) for d in docs)
    as_yaml = {"content-type": "application/yaml"}
    with api_server.client() as http:
        planned = _data(
            http.post(
                APPLY, params={"mode": "import", "dryRun": "true"}, content=text, headers=as_yaml
            )
        )
        assert [(a["ref"], a["action"], a["dryRun"]) for a in planned] == [
            (f"{unique_name}_{i}", "created", True) for i in range(2)
        ]
        assert http.get(f"{BASE}/connectors/{unique_name}_0").status_code == 404
        made = _data(http.post(APPLY, params={"mode": "import"}, content=text, headers=as_yaml))
        assert [(a["action"], a["version"]) for a in made] == [("created", 1), ("created", 1)]
        docs[1]["connector"]["description"] = "changed"
        docs[0]["connector"]["spec"]["credential"]["region"] = "us-nowhere-1"
        refused = http.post(APPLY, json=docs)
        assert refused.status_code == 400, refused.text
        assert [p["path"] for p in refused.json()["problems"]] == [
            "document 1: spec.credential.region"
        ]
        docs[0]["connector"]["spec"]["credential"]["region"] = "us-east-1"
        applied = _data(http.post(APPLY, json=docs))
        assert [a["action"] for a in applied] == ["unchanged", "updated"]
        assert applied[1]["changes"] == [{"path": "description", "old": "", "new": "changed"}]
        one = _data(http.post(APPLY, params={"mode": "apply"}, json=docs[0]))
        assert [a["action"] for a in one] == ["unchanged"]
        exists = http.post(APPLY, params={"mode": "create"}, json=docs[0])
        assert exists.status_code == 409 and exists.json()["awsconnCode"] == "CONFLICT"


@pytest.mark.parametrize(
    ("params", "body", "path"),
    [
        ({"mode": "replace"}, [], "mode"),
        ({}, ["not a document"], "[0]"),
        ({"orgIdentifier": "elsewhere"}, [connector_body("eng", "x")], "orgIdentifier"),
        ({"mode": "create"}, [connector_body(None, "a"), connector_body(None, "b")], ""),
    ],
)
def test_apply_refuses_bad_requests_naming_what(
    api_server: ApiServer, params: dict[str, str], body: Any, path: str
) -> None:
    with api_server.client() as http:
        answer = http.post(APPLY, params=params, json=body)
    assert answer.status_code == 400, answer.text
    assert [p["path"] for p in answer.json()["problems"]] == [path]
