"""docs/api.md lists exactly the route table's endpoints and the error map's rows."""

from __future__ import annotations

import re
from pathlib import Path

from awsconn.api.harness_errors import ERROR_MAP
from awsconn.api.paths import AUTHENTICATED, ROUTES
from awsconn.service.access import Permission

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_ROW = re.compile(r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)`[^|]*\| ([^|]+) \|", re.MULTILINE)
_ERROR_ROW = re.compile(r"^\| `([A-Z_]+)` \| (\d{3}) \| `([A-Z_]+)` \|$", re.MULTILINE)


def test_the_doc_lists_every_route_with_its_permission() -> None:
    text = DOC.read_text(encoding="utf-8")
    listed = {(m, path): needs.strip() for m, path, needs in _ROW.findall(text)}
    assert set(listed) == {(r.method, r.path) for r in ROUTES}
    for row in ROUTES:
        needs = listed[(row.method, row.path)]
        expected = (
            f"`{row.permission.value}`"
            if isinstance(row.permission, Permission)
            else ("a valid token" if row.permission == AUTHENTICATED else "public")
        )
        assert needs.startswith(expected), (row.method, row.path, needs)
        assert ("next issue" in needs) == (row.planned is not None)
        unscoped = not row.scoped and not row.public and row.permission != AUTHENTICATED
        assert ("unscoped" in needs) == unscoped


def test_the_doc_lists_every_error_mapping() -> None:
    text = DOC.read_text(encoding="utf-8")
    listed = {code: (int(status), harness) for code, status, harness in _ERROR_ROW.findall(text)}
    assert listed == {code: (row.http_status, row.code) for code, row in ERROR_MAP.items()}
