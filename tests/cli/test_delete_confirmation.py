"""Deleting asks first: on a terminal a person answers; without one, only --yes deletes."""

from __future__ import annotations

import io
import json
import sys

import pytest
from cli_fixtures import Runner

from awsconn.cli import main

DOC = """
connector:
  name: c1
  identifier: c1
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [eks]
"""


class _Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def _refs(cli: Runner, *argv: str) -> list[str]:
    return [r["ref"] for r in json.loads(cli(*argv, "-o", "json").out)]


@pytest.mark.parametrize(
    ("noun", "listing"),
    [("connector", ("connector", "list")), ("secret", ("secret", "list", "--all"))],
)
def test_delete_without_yes_and_without_a_terminal_is_refused(
    cli: Runner, noun: str, listing: tuple[str, ...]
) -> None:
    if noun == "connector":
        assert cli("connector", "create", "-f", "-", input=DOC).code == 0
        name = "c1"
    else:
        assert cli("secret", "create", "s1", input="value").code == 0
        name = "s1"
    r = cli(noun, "delete", name)
    assert r.code == 2, r.text
    assert "not deleted" in r.err and "--yes" in r.err
    assert _refs(cli, *listing) == [name]
    r = cli(noun, "delete", name, "--yes")
    assert r.code == 0, r.text
    assert f"{noun} {name} deleted" in r.out
    assert _refs(cli, *listing) == []


def test_on_a_terminal_the_answer_decides(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("connector", "create", "-f", "-", input=DOC).code == 0
    monkeypatch.setattr(sys, "stdin", _Terminal(io.BytesIO(b"n\n")))
    assert main(["connector", "delete", "c1"]) == 1
    assert "connector c1 not deleted" in capsys.readouterr().err
    assert _refs(cli, "connector", "list") == ["c1"]
    monkeypatch.setattr(sys, "stdin", _Terminal(io.BytesIO(b"y\n")))
    assert main(["connector", "delete", "c1"]) == 0
    assert "connector c1 deleted" in capsys.readouterr().out
    assert _refs(cli, "connector", "list") == []
