"""Canary: a known secret value goes through every command and never comes out anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from canary_values import CONNECTORS, ODD, REFUSED, spellings_of
from cli_fixtures import Runner

CANARY = "CANARY-s3cr3t-value-7c1d9e0f5a"
# An access key id stored as a secret: SigV4 sends it in every request's Authorization
# header, and botocore's own DEBUG wire log prints that header, so it is checked in
# everything but SDK debug records.
CANARY_KEY_ID = "AKIACANARY7C1D9E0F5A"


def test_secret_value_never_appears_in_output_logs_or_database(
    cli: Runner, awsconn_home: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def run(*argv: str, input: str | None = None) -> int:
        r = cli(*argv, input=input)
        outputs.append(r.out + r.err)
        return r.code

    value_file = tmp_path / "value"
    value_file.write_text(CANARY_KEY_ID)
    assert run("secret", "create", "canary", input=CANARY) == 0
    assert run("secret", "create", "canary2", "--value-file", str(value_file)) == 0
    assert run("secret", "update", "canary", input=CANARY + "-2") == 0
    run("secret", "list", "--all")
    run("secret", "list", "--all", "-o", "json")
    doc = """
connector:
  name: canary
  identifier: canary_conn
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKeyRef: canary2
        secretKeyRef: canary
      region: us-east-1
    delegateSelectors: []
"""
    assert run("connector", "create", "-f", "-", input=doc) == 0
    run("connector", "get", "canary_conn")
    run("connector", "get", "canary_conn", "-o", "json")
    run("connector", "list", "-o", "json")
    run("connector", "export")
    run("connector", "test", "canary_conn")
    run("connector", "test", "canary_conn", "-o", "json")
    run("connector", "test", "--all", "-o", "json")
    run("connector", "history", "canary_conn", "-o", "json")
    run("connector", "regions", "canary_conn")
    run("secret", "create", "canary", input=CANARY)  # duplicate: an error message
    run("secret", "delete", "canary2", "--yes")  # in use: refused, naming the connector
    everything = "\n".join(outputs) + caplog.text
    assert CANARY not in everything
    assert json.dumps(CANARY)[1:-1] not in everything
    ours = "\n".join(outputs) + "\n".join(
        r.getMessage() for r in caplog.records if r.levelno >= logging.INFO
    )
    assert CANARY_KEY_ID not in ours
    for path in awsconn_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CANARY.encode() not in data, path
            assert CANARY_KEY_ID.encode() not in data, path


def test_values_with_line_breaks_quotes_and_unicode_never_come_out(
    cli: Runner, awsconn_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def run(*argv: str, input: str | bytes | None = None) -> Any:
        r = cli(*argv, input=input)
        outputs.append(r.out + r.err)
        return r

    for name, value in ODD.items():
        assert run("secret", "create", name, input=value.encode()).code == 0
    docs = "---\n".join(CONNECTORS.values())
    assert run("connector", "import", "-f", "-", input=docs).code == 0
    for ref in CONNECTORS:
        run("connector", "test", ref)
        tested = json.loads(run("connector", "test", ref, "-o", "json").out)
        assert tested["status"] == "FAILURE", tested
        run("connector", "regions", ref)
        run("connector", "regions", ref, "-o", "json")
        history = json.loads(run("connector", "history", ref, "-o", "json").out)
        assert len(history) == 2 and history[0]["errors"], history
    for ref in REFUSED:  # usable keys would be printed: that is what `credentials` is for
        refused = run("credentials", ref)
        assert refused.code == 1 and refused.out == ""
        assert "INVALID_CREDENTIALS" in refused.err and "spec.credential.spec." in refused.err
        assert run("exec", ref, "--", "true").code == 1
    run("connector", "test", "--all")
    run("connector", "test", "--all", "-o", "json")

    seen = "\n".join(outputs)
    logged = "\n".join(
        r.getMessage()
        for r in caplog.records
        # botocore's own DEBUG wire log prints request headers (the session token among
        # them) by design; awsconn never turns it on. Everything else is checked.
        if r.levelno >= logging.INFO or not r.name.startswith(("botocore", "urllib3"))
    )
    stored = b"".join(p.read_bytes() for p in awsconn_home.rglob("*") if p.is_file())
    for name, value in ODD.items():
        for form in spellings_of(value):
            assert form not in seen, (name, form)
            assert form not in logged, (name, form)
            assert form.encode() not in stored, (name, form)
