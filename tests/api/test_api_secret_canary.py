"""Canary: secret values sent to the API never come back in any answer (the credentials
endpoint, whose purpose is to give them, aside) nor in the server's logs, in any spelling;
nor do API tokens appear in the logs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from cli.canary_values import ODD, spellings_of

ORG = {"orgIdentifier": "canary"}
CANARY = "CANARY-api-s3cr3t-4f2a9b7c1d"


def _secret(identifier: str, value: str) -> dict[str, Any]:
    return {
        "secret": {
            "type": "SecretText",
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": "canary",
            "spec": {"valueType": "Inline", "value": value},
        }
    }


def _connector(identifier: str, key: str, secret: str, token: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessKey": key, "secretKeyRef": secret}
    if token:
        spec["sessionTokenRef"] = token
    return {
        "connector": {
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": "canary",
            "type": "Aws",
            "spec": {
                "credential": {"type": "ManualConfig", "spec": spec, "region": "us-east-1"},
                "delegateSelectors": [],
                "executeOnDelegate": False,
                "capabilities": ["describe-regions"],
            },
        }
    }


def test_secret_values_never_appear_in_answers_or_logs(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint
) -> None:
    tag = uuid.uuid4().hex[:8]
    user = moto_auth.create_user(
        f"canary-{tag}", allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    assert user is not None
    values = {"real": user.secret_access_key, "canary": CANARY, **ODD}
    answers: list[httpx.Response] = []
    credentials: list[httpx.Response] = []
    with api_server.client() as http:

        def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
            answer = http.request(method, url, **kwargs)
            assert answer.status_code < 500, answer.text
            answers.append(answer)
            return answer

        for name, value in values.items():
            call("POST", "/ng/api/v2/secrets", json=_secret(f"{name}_{tag}", value))
            call("PUT", f"/ng/api/v2/secrets/{name}_{tag}", params=ORG,
                 json=_secret(f"{name}_{tag}", value + "-2"))  # fmt: skip
            call("PUT", f"/ng/api/v2/secrets/{name}_{tag}", params=ORG,
                 json=_secret(f"{name}_{tag}", value))  # fmt: skip
        connectors = {
            f"good_{tag}": _connector(f"good_{tag}", user.access_key_id, f"real_{tag}"),
            f"canary_{tag}": _connector(f"canary_{tag}", "AKIACANARYAPI0000001", f"canary_{tag}"),
            f"odd_{tag}": _connector(
                f"odd_{tag}", "ASIACANARYODD0000001", f"sk_odd_{tag}", f"tok_odd_{tag}"
            ),
            f"crlf_{tag}": _connector(
                f"crlf_{tag}", "ASIACANARYTOK0000001", f"sk_odd_{tag}", f"tok_crlf_{tag}"
            ),
            f"uni_{tag}": _connector(
                f"uni_{tag}", "ASIACANARYUNI0000001", f"sk_uni_{tag}", f"tok_uni_{tag}"
            ),
        }
        for identifier, body in connectors.items():
            call("POST", "/ng/api/connectors", json=body)
            call("GET", f"/ng/api/connectors/{identifier}", params=ORG)
            call("POST", f"/ng/api/connectors/testConnection/{identifier}", params=ORG)
            call("GET", f"/ng/api/awsconn/connectors/{identifier}/history", params=ORG)
            call("GET", f"/ng/api/awsconn/connectors/{identifier}/regions", params=ORG)
            call("POST", f"/ng/api/awsconn/connectors/{identifier}/permissions/check",
                 params=ORG, json={"useSimulator": False})  # fmt: skip
            answer = http.post(f"/ng/api/awsconn/connectors/{identifier}/credentials", params=ORG)
            assert answer.status_code < 500, answer.text
            credentials.append(answer)
        call("GET", "/ng/api/connectors", params=ORG)
        call("POST", "/ng/api/connectors/listV2", params=ORG, json={"filterType": "Connector"})
        call("GET", "/ng/api/v2/secrets", params=ORG)
        call("GET", "/ng/api/awsconn/audit", params=ORG)
        # a body that is not valid, holding a value: the error never echoes it
        bad = _secret(f"bad_{tag}", CANARY)
        bad["secret"]["spec"]["valueType"] = "Reference"
        bad["secret"]["unknownField"] = CANARY
        call("POST", "/ng/api/v2/secrets", json=bad)
        call("POST", "/ng/api/v2/secrets", json={"secret": {"spec": {"value": CANARY}}})
    good = credentials[0].json()["data"]
    assert good["SecretAccessKey"] == user.secret_access_key  # what that endpoint is for
    assert credentials[0].headers["cache-control"] == "no-store"
    logs = api_server.logs()
    assert logs.count(api_server.token) == 1  # printed once, at the start; never logged again
    for name, value in values.items():
        for spelling in spellings_of(value):
            for answer in answers:
                assert spelling not in answer.text, (name, answer.request.url)
                assert spelling not in str(answer.headers), name
            assert spelling not in logs, name
