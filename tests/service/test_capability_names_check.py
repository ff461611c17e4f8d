"""Capability names in a connector are always checked against the catalog: a broken
installation is an error, never a reason to accept names nobody knows."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsconn.errors import ValidationFailed
from awsconn.model import load_yaml_documents
from awsconn.service.connectors import parse_and_check
from awsconn.service.context import AppContext

DOC = """\
connector:
  name: c
  identifier: c
  type: Aws
  spec:
    credential: {type: InheritFromDelegate}
    delegateSelectors: [d]
    capabilities: [s3-read, no-such-capability]
"""


def _context(tmp_path: Path) -> AppContext:
    return AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})


def test_an_unknown_capability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_and_check(_context(tmp_path), load_yaml_documents(DOC))
    [problem] = caught.value.problems
    assert (problem.path, problem.message) == ("spec.capabilities[1]", "is not a known capability")


def test_without_the_catalog_the_check_fails_loudly_instead_of_being_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "awsconn.iam.capabilities", None)
    with pytest.raises(ImportError):
        parse_and_check(_context(tmp_path), load_yaml_documents(DOC))
