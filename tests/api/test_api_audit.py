"""The audit log of a server: every write and every credential issued, with who, from which
address and which connector version; refusals too. Readable by admins only."""

from __future__ import annotations

import uuid
from typing import Any

from route_requests import connector_body

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

ORG = {"orgIdentifier": "audited"}


def _events(server: ApiServer, ref: str) -> list[dict[str, Any]]:
    with server.client() as http:
        answer = http.get("/ng/api/awsconn/audit", params={**ORG, "pageSize": 1000})
    assert answer.status_code == 200, answer.text
    page = answer.json()["data"]
    assert page["totalItems"] >= len(page["content"])
    return [e for e in page["content"] if e["target"]["ref"] == ref][::-1]  # oldest first


def test_writes_and_credentials_are_audited_with_caller_address_and_version(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint
) -> None:
    tag = uuid.uuid4().hex[:8]
    user = moto_auth.create_user(f"audit-{tag}", allow_policy("sts:GetCallerIdentity"))
    assert user is not None
    editor = api_server.make_token("editor", org="audited", access=True)
    viewer = api_server.make_token("viewer", org="audited")
    identifier = f"a_{tag}"
    body = connector_body("audited", identifier)
    body["connector"]["spec"] = {
        "credential": {
            "type": "ManualConfig",
            "spec": {"accessKey": user.access_key_id, "secretKeyRef": f"s_{tag}"},
            "region": "us-east-1",
        },
        "delegateSelectors": [],
        "executeOnDelegate": False,
    }
    spec = {"valueType": "Inline", "value": user.secret_access_key}
    secret = {
        "secret": {
            "type": "SecretText",
            "name": "s",
            "identifier": f"s_{tag}",
            "orgIdentifier": "audited",
            "spec": spec,
        }
    }
    with api_server.client(token=editor) as http:
        assert http.post("/ng/api/v2/secrets", json=secret).status_code == 200
        assert http.post("/ng/api/connectors", json=body).status_code == 200
        body["connector"]["description"] = "changed"
        assert http.put("/ng/api/connectors", json=body).status_code == 200
        issued = http.post(f"/ng/api/awsconn/connectors/{identifier}/credentials", params=ORG)
        assert issued.status_code == 200, issued.text
        assert http.delete(f"/ng/api/connectors/{identifier}", params=ORG).status_code == 200
    with api_server.client(token=viewer) as http:
        refused = http.delete(f"/ng/api/v2/secrets/s_{tag}", params=ORG)
        assert refused.status_code == 403
        assert http.get("/ng/api/awsconn/audit", params=ORG).status_code == 403
    events = _events(api_server, f"audited/{identifier}")
    assert [(e["action"], e["version"], e["outcome"]) for e in events] == [
        ("connector.create", 1, "ok"),
        ("connector.update", 2, "ok"),
        ("connector.credentials", 2, "ok"),
        ("connector.delete", 2, "ok"),
    ]
    assert events[1]["detail"] == {"credentialType": "ManualConfig", "changed": ["description"]}
    for event in events:
        assert event["actor"].startswith("editor-") and event["actorToken"]
        assert event["address"] == "127.0.0.1"
        assert isinstance(event["at"], int)  # epoch milliseconds, as every API timestamp
    secret_events = _events(api_server, f"audited/s_{tag}")
    assert [(e["action"], e["outcome"]) for e in secret_events] == [
        ("secret.create", "ok"),
        ("secret.delete", "denied"),
    ]
    assert secret_events[1]["detail"]["errorCode"] == "FORBIDDEN"
    assert user.secret_access_key not in str(events + secret_events)
