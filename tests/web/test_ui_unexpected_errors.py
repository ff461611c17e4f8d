"""A failure nobody planned while answering a page is a page (or, for htmx, a fragment)
naming the correlation id only: no stack trace, no exception message, no JSON envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from awsconn.api.app import create_app
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime
from awsconn.service.tokens import ensure_admin_token
from awsconn.web import routes_audit

LEAK = "CANARY-in-a-page-exception-91c2"


@pytest.fixture
def signed_in(tmp_path: Path) -> Iterator[TestClient]:
    runtime = Runtime({"AWSCONN_HOME": str(tmp_path / "home")}, runs_as="server")
    token = ensure_admin_token(AppContext(runtime=runtime))
    assert token is not None
    with TestClient(create_app(runtime), raise_server_exceptions=False) as http:
        form = http.get("/ui/sign-in")
        nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', form.text)
        assert nonce is not None
        answer = http.post(
            "/ui/sign-in",
            data={"token": token, "sign_in_nonce": nonce.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        yield http


def test_a_bug_on_a_page_is_a_page_naming_the_correlation_id(
    signed_in: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(LEAK)

    monkeypatch.setattr(routes_audit, "list_audit", broken)
    for headers, whole in (({}, True), ({"HX-Request": "true"}, False)):
        answer = signed_in.get("/ui/audit", headers={**headers, "X-Correlation-Id": "ui-bug-1"})
        assert answer.status_code == 500
        assert answer.headers["content-type"].startswith("text/html")
        assert ("<!doctype html>" in answer.text) is whole
        assert "the server failed while answering this page" in answer.text
        assert "ui-bug-1" in answer.text
        for leak in (LEAK, "Traceback", "RuntimeError", '"status":"ERROR"'):
            assert leak not in answer.text
