"""`credentials`, `regions` and `exec` are bounded in time and behave like the tools they feed."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_fixtures import Runner

CROSS_BLOCK = """      crossAccountAccess:
        crossAccountRoleArn: arn:aws:iam::123456789012:role/deploy
        externalId: ext-1
"""
CROSS = """
connector:
  name: xacct
  identifier: xacct
  type: Aws
  spec:
    credential:
      type: ManualConfig
{cross}      spec:
        accessKey: AKIASILENT0000000000
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""
PLAIN = CROSS.replace("xacct", "plain").replace("{cross}", "")
CROSS = CROSS.replace("{cross}", CROSS_BLOCK)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.parametrize("argv", [("credentials", "xacct"), ("connector", "regions", "xacct")])
def test_a_silent_endpoint_is_a_timeout_not_a_hang(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str, argv: tuple[str, ...]
) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=CROSS).code == 0
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    r = cli(*argv, "--timeout", "2")
    assert r.code == 1
    assert "TIMEOUT" in r.err
    assert "within 2 s" in r.err


def test_exec_takes_options_between_ref_and_the_command(cli: Runner, tmp_path: Path) -> None:
    cli("secret", "create", "sk", input="x")
    cli(
        "connector",
        "create",
        "-f",
        "-",
        input=PLAIN,
    )
    out = tmp_path / "region"
    script = "import os,sys; open(sys.argv[1],'w').write(os.environ['AWS_DEFAULT_REGION'])"
    r = cli(
        "exec", "plain", "--here", "--timeout", "5", "--", sys.executable, "-c", script, str(out)
    )
    assert r.code == 0, r.text
    assert out.read_text() == "us-east-1"
    r = cli("exec", "plain", "--bogus", "--", "true")
    assert r.code == 2 and "unexpected '--bogus'" in r.err


def test_exec_exit_codes_are_the_commands_own_and_127_when_not_found(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    doc = PLAIN
    cli("connector", "create", "-f", "-", input=doc)
    assert cli("exec", "plain", "--", sys.executable, "-c", "raise SystemExit(7)").code == 7
    r = cli("exec", "plain", "--", "no-such-command-awsconn")
    assert r.code == 127
    assert "command not found" in r.err
