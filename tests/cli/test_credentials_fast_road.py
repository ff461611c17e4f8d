"""``awsconn credentials REF`` runs without building the Typer app (the AWS CLI calls it
before every request), and says exactly what the Typer command says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_fixtures import Runner

from awsconn.cli.app import build_app
from awsconn.cli.credential_process import CredentialsCall, parse_plain

DOC = """
connector:
  name: fast
  identifier: fast
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIAFASTROAD00000001
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""


@pytest.mark.parametrize(
    ("args", "call"),
    [
        (["credentials", "c"], CredentialsCall("c")),
        (["credentials", "o/p/c", "--here"], CredentialsCall("o/p/c", here=True)),
        (["credentials", "--timeout", "5", "c"], CredentialsCall("c", timeout=5.0)),
        (["credentials", "c", "--timeout=inf"], CredentialsCall("c", timeout=float("inf"))),
        (["credentials", "--no-cache", "c"], CredentialsCall("c", no_cache=True)),
    ],
)
def test_the_plain_form_is_read_without_the_framework(
    args: list[str], call: CredentialsCall
) -> None:
    assert parse_plain(args) == call


@pytest.mark.parametrize(
    "args",
    [
        ["credentials"],
        ["credentials", "--help"],
        ["credentials", "a", "b"],
        ["credentials", "c", "--timeout"],
        ["credentials", "c", "--timeout", "soon"],
        ["credentials", "c", "--no-such-option"],
        ["connector", "get", "c"],
    ],
)
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert parse_plain(args) is None


def test_the_fast_road_prints_what_the_typer_command_prints(
    cli: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("secret", "create", "sk", input="fast-road-secret").code == 0
    assert cli("connector", "create", "-f", "-", input=DOC).code == 0
    fast = cli("credentials", "fast", "--timeout", "5")
    assert fast.code == 0, fast.text
    capsys.readouterr()
    build_app(["credentials"])(
        args=["credentials", "fast", "--timeout", "5"], standalone_mode=False
    )
    assert capsys.readouterr().out == fast.out
    assert json.loads(fast.out)["AccessKeyId"] == "AKIAFASTROAD00000001"


def test_a_bad_timeout_on_the_fast_road_is_exit_2_naming_the_option(cli: Runner) -> None:
    r = cli("credentials", "fast", "--timeout", "inf")
    assert r.code == 2
    assert "--timeout" in r.err and "internal error" not in r.text


def test_the_fast_road_loads_no_cli_framework(cli: Runner, awsconn_home: Path) -> None:
    assert cli("secret", "create", "sk", input="fast-road-secret").code == 0
    assert cli("connector", "create", "-f", "-", input=DOC).code == 0
    code = (
        "import sys; from awsconn.cli import main; rc = main(['credentials', 'fast']); "
        "heavy = sorted(m for m in ('typer', 'click', 'pydantic', 'boto3', 'sqlalchemy') "
        "if m in sys.modules); print(rc, heavy, file=sys.stderr)"
    )
    env = {**os.environ, "AWSCONN_HOME": str(awsconn_home)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stderr.strip().splitlines()[-1] == "0 []", out.stderr
    assert json.loads(out.stdout)["AccessKeyId"] == "AKIAFASTROAD00000001"
