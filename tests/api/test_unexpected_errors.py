"""A failure nobody planned (a bug) is a 500 naming the correlation id and nothing else; the
log line names the exception's type and place, never its message."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from awsconn.api.app import create_app
from awsconn.service import connectors
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime
from awsconn.service.tokens import ensure_admin_token

LEAK = "CANARY-in-an-exception-message-5e6f"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    runtime = Runtime({"AWSCONN_HOME": str(tmp_path / "home")}, runs_as="server")
    token = ensure_admin_token(AppContext(runtime=runtime))
    assert token is not None
    with TestClient(create_app(runtime), raise_server_exceptions=False) as http:
        yield http, token


def test_a_bug_is_500_with_the_correlation_id_only(
    client: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    http, token = client

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(LEAK)

    monkeypatch.setattr(connectors, "get", broken)
    caplog.set_level(logging.INFO)
    answer = http.get(
        "/ng/api/connectors/x1", headers={"x-api-key": token, "X-Correlation-Id": "bug-1"}
    )
    assert answer.status_code == 500
    body = answer.json()
    assert body["awsconnCode"] == "INTERNAL" and body["code"] == "INTERNAL_SERVER_ERROR"
    assert "bug-1" in body["message"] and body["correlationId"] == "bug-1"
    assert LEAK not in answer.text and "Traceback" not in answer.text
    assert "RuntimeError" not in answer.text
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "awsconn.server"]
    assert logged and logged[0]["type"] == "RuntimeError"
    assert logged[0]["correlationId"] == "bug-1"
    assert LEAK not in caplog.text
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "awsconn.access"]
    assert access[-1]["status"] == 500 and access[-1]["route"] == "/ng/api/connectors/{identifier}"


def test_a_body_too_large_is_413(client: tuple[TestClient, str]) -> None:
    http, token = client
    answer = http.post(
        "/ng/api/connectors",
        content=b"x" * (4 * 1024 * 1024 + 1),
        headers={"x-api-key": token, "Content-Type": "application/yaml"},
    )
    assert answer.status_code == 413
    assert answer.json()["awsconnCode"] == "INVALID_INPUT"
