"""`connector test --all` shows each result as it ends, so a run killed midway shows them.

One connector fails at once (its secret is gone); the other waits on an endpoint that
accepts connections and never answers. The first result must be on stdout (a pipe, as
in CI or `| jq`) while the second test still hangs; then the run is killed.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_fixtures import Runner

DOC = """
connector:
  name: {id}
  identifier: {id}
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIAIOSFODNN7EXAMPLE
        secretKeyRef: {secret}
      region: us-east-1
    delegateSelectors: []
"""


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts connections (kernel backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def _read_until(proc: subprocess.Popen[bytes], done: str, seconds: float) -> list[str]:
    """Lines from stdout until one starts with ``done`` (or ``seconds`` pass without data).

    Reads the pipe's file descriptor itself: a buffered reader would take several lines
    from the pipe at once and leave ``select`` waiting for data it already holds.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buffer = b""
    lines: list[str] = []
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while not any(line.startswith(done) for line in lines) and sel.select(timeout=seconds):
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            lines.extend(line.decode() + "\n" for line in complete)
    return lines


@pytest.mark.parametrize("output", ["json", "table"])
def test_results_come_out_as_they_end_and_survive_a_kill(
    cli: Runner, awsconn_home: Path, silent_endpoint: str, output: str
) -> None:
    cli("secret", "create", "gone", input="x")
    cli("secret", "create", "sk", input="y")
    docs = DOC.format(id="orphan", secret="gone") + "---\n" + DOC.format(id="slow", secret="sk")
    assert cli("connector", "import", "-f", "-", input=docs).code == 0
    assert cli("secret", "delete", "gone", "--yes", "--force").code == 0

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(awsconn_home),
        "AWSCONN_HOME": str(awsconn_home),
        "AWS_ENDPOINT_URL": silent_endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    argv = ["connector", "test", "--all", "--timeout", "120", "-o", output]
    proc = subprocess.Popen(
        [sys.executable, "-m", "awsconn", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        lines = _read_until(proc, "{" if output == "json" else "  hint:", 60)
        assert proc.poll() is None, "the run ended: the slow test did not hang"
    finally:
        proc.kill()  # killed midway: what it showed so far is all there is
        proc.wait(timeout=60)
    assert lines, "nothing was shown before the run was killed"
    if output == "json":
        [line] = lines  # JSON Lines: each line is one whole document
        first = json.loads(line)
        assert first["connector"] == "orphan" and first["status"] == "FAILURE"
        assert first["errors"][0]["code"] == "NO_CREDENTIALS"
    else:
        assert lines[0].startswith("FAILURE orphan")
        assert lines[1].startswith("  NO_CREDENTIALS: ")
    assert "slow" not in "".join(lines)
    history = json.loads(cli("connector", "history", "orphan", "-o", "json").out)
    assert history[0]["status"] == "FAILURE"  # stored as it ended, too
