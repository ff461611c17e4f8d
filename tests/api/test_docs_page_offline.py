"""``/docs`` works without internet: the page references only this server (its scripts,
styles and icon under ``/docs/assets/``, the OpenAPI document), each of them is served,
without a token, and Swagger UI's online validator is off."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from api_fixtures import ApiServer

_URL_IN_SCRIPT = re.compile(r"""(?:url|validatorUrl)["']?\s*:\s*(null|['"][^'"]*['"])""")


class _References(HTMLParser):
    """Every ``src`` and ``href`` of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(v for k, v in attrs if k in ("src", "href") and v is not None)

    def handle_data(self, data: str) -> None:
        if "SwaggerUIBundle(" in data:
            self.scripts.append(data)


def test_the_docs_page_references_only_its_own_server(api_server: ApiServer) -> None:
    with api_server.client(token="") as http:
        page = http.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        refs = _References()
        refs.feed(page.text)
        assert sorted(refs.found) == [
            "/docs/assets/favicon-32x32.png",
            "/docs/assets/swagger-ui-bundle.js",
            "/docs/assets/swagger-ui.css",
        ]
        (script,) = refs.scripts
        assert dict(
            (m.group(0).split(":")[0].strip("\"' "), m.group(1))
            for m in _URL_IN_SCRIPT.finditer(script)
        ) == {"url": "'/openapi.json'", "validatorUrl": "null"}
        assert "//" not in "".join(refs.found)  # no other host, no protocol-relative URL
        for ref in [*refs.found, "/openapi.json", "/docs/assets/LICENSE"]:
            served = http.get(ref)
            assert served.status_code == 200, ref
            assert len(served.content) > 100, ref
        bundle = http.get("/docs/assets/swagger-ui-bundle.js")
        assert bundle.headers["content-type"].startswith("text/javascript")
        assert "SwaggerUIBundle" in bundle.text
        assert "Apache License" in http.get("/docs/assets/LICENSE").text
        assert http.get("/docs/assets/..%2F..%2Fpyproject.toml").status_code == 404
        assert http.get("/docs/assets/index.html").status_code == 404


def test_the_docs_page_behind_a_proxy_points_under_its_prefix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With ``--root-path``, the page's references carry the prefix the proxy strips."""
    from fastapi.testclient import TestClient

    from awsconn.api.app import create_app
    from awsconn.service.runtime import Runtime

    app = create_app(Runtime({"AWSCONN_HOME": str(tmp_path)}, runs_as="server"))
    with TestClient(app, root_path="/awsconn") as http:
        page = http.get("/docs").text
    assert 'href="/awsconn/docs/assets/swagger-ui.css"' in page
    assert "url: '/awsconn/openapi.json'" in page
