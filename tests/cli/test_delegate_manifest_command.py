"""``awsconn delegate manifest`` from the command line: YAML on stdout that parses into
the objects, the token in the Secret only (never on stderr, never in an error), bad input
refused with exit 2 naming each setting and nothing on stdout, the manager's URL taken
from the server this CLI is logged in to; and the manifest's command line is one
``awsconn delegate run`` accepts (once the agent's command is on the branch)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from cli_fixtures import Result

from awsconn.cli import main

TOKEN = "awsc_" + "Q" * 43
CANARY = "awsc_" + "Canary" * 7 + "x"  # the right length, but a malformed one ends in '!'
ARN = "arn:aws:iam::123456789012:role/awsconn-delegate"
HEAVY = ("boto3", "botocore", "sqlalchemy", "fastapi", "alembic")

Run = Callable[..., Result]


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Iterator[Run]:
    """The real CLI in-process, with a home of its own and no awsconn or AWS settings."""
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_", "AWSCONN_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))

    def cli(*argv: str) -> Result:
        capsys.readouterr()
        code = main(["delegate", "manifest", *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield cli


def _by_kind(text: str) -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all(text)}


def test_prints_the_manifest_with_irsa_and_an_init_script(run: Run, tmp_path: Path) -> None:
    script = tmp_path / "init.sh"
    script.write_text("#!/bin/bash\nnpm install -g serverless@v2.50.0\n")
    result = run(
        "--name", "eks-prod", "--tags", "eks", "--tags", "prod,us",
        "--manager-url", "https://awsconn.example", "--token", TOKEN,
        "--irsa-role-arn", ARN, "--init-script", str(script), "--replicas", "3",
        "--namespace", "delegates", "--image", "reg.example/awsconn-delegate:1",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert TOKEN not in result.err and result.out.count(TOKEN) == 1
    docs = _by_kind(result.out)
    assert docs["ServiceAccount"]["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ARN}
    assert docs["Secret"]["stringData"] == {"token": TOKEN, "manager": "https://awsconn.example"}
    assert docs["ConfigMap"]["data"] == {"init.sh": script.read_text()}
    sts = docs["StatefulSet"]
    assert sts["metadata"]["namespace"] == "delegates" and sts["spec"]["replicas"] == 3
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "reg.example/awsconn-delegate:1"
    assert container["args"] == [
        "--name", "eks-prod", "--tags", "eks,prod,us",
        "--init-script", "/etc/awsconn/init/init.sh",
    ]  # fmt: skip


def test_without_irsa_there_is_no_annotation(run: Run) -> None:
    result = run("--name", "ec2", "--tags", "local", "--manager", "http://h:7420", "--token", TOKEN)
    assert result.code == 0, result.err
    docs = _by_kind(result.out)
    assert "annotations" not in docs["ServiceAccount"]["metadata"]
    assert "ConfigMap" not in docs


def test_bad_input_exits_2_naming_each_setting_and_prints_nothing(run: Run) -> None:
    result = run(
        "--name", "Prod_1", "--tags", "eks", "--manager-url", "ftp://x",
        "--token", CANARY[:-1] + "!", "--irsa-role-arn", "arn:aws:iam::1:user/u",
        "--replicas", "101", "--namespace", "UPPER",
    )  # fmt: skip
    assert result.code == 2 and result.out == ""
    for setting in ("name:", "manager:", "token:", "irsaRoleArn:", "replicas:", "namespace:"):
        assert setting in result.err, setting
    assert CANARY[:-1] not in result.err and "Traceback" not in result.err


def test_the_manager_is_required(run: Run) -> None:
    result = run("--name", "d", "--tags", "t")
    assert result.code == 2 and result.out == ""
    assert "manager: is required" in result.err and "token:" not in result.err


def test_a_bad_init_script_is_refused_at_its_setting(run: Run, tmp_path: Path) -> None:
    binary = tmp_path / "script.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    big = tmp_path / "big.sh"
    big.write_bytes(b"#" * 1_000_001)
    for path, words in (
        (tmp_path / "missing.sh", "is not a file that exists"),
        (tmp_path, "is a directory"),
        (binary, "is not UTF-8 text"),
        (big, "larger than a ConfigMap holds"),
    ):
        result = run(
            "--name", "d", "--tags", "t", "--manager", "http://h", "--token", TOKEN,
            "--init-script", str(path),
        )  # fmt: skip
        assert result.code == 2 and result.out == "", path
        assert "initScript:" in result.err and words in result.err, result.err


def test_the_manager_defaults_to_the_server_this_cli_uses(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWSCONN_URL", "https://awsconn.internal:7420/root")
    monkeypatch.setenv("AWSCONN_TOKEN", "awsc_" + "A" * 43)  # the CLI's own, not the pods'
    result = run("--name", "d", "--tags", "t", "--token", TOKEN)
    assert result.code == 0, result.err
    manager = _by_kind(result.out)["Secret"]["stringData"]["manager"]
    assert manager == "https://awsconn.internal:7420/root"
    assert "A" * 43 not in result.out


def test_delegate_help_imports_no_heavy_module() -> None:
    probe = (
        "import sys\nfrom awsconn.cli import main\n"
        "main(['delegate', 'manifest', '--help'])\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "--irsa-role-arn" in out.stdout
    loaded = set(out.stdout.split())
    assert not {m for m in HEAVY if m in loaded}


def test_the_manifest_runs_options_the_agent_accepts(run: Run) -> None:
    """Every argument of the container and every environment variable it sets is an
    option of ``awsconn delegate run`` (its name, or the environment variable it reads)."""
    import typer

    from awsconn.cli.app import build_app

    group = typer.main.get_command(build_app(["delegate"]))
    delegate = group.commands["delegate"]  # type: ignore[attr-defined]
    if "run" not in delegate.commands:
        pytest.skip("awsconn delegate run is not on this branch yet (the agent's cli/delegate.py)")
    agent = delegate.commands["run"]
    flags = {opt for p in agent.params for opt in getattr(p, "opts", ())}
    envvars = {p.envvar for p in agent.params if isinstance(getattr(p, "envvar", None), str)}
    result = run(
        "--name", "d", "--tags", "t", "--manager", "http://h", "--token", TOKEN,
        "--init-script", __file__,
    )  # fmt: skip
    container = _by_kind(result.out)["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["awsconn", "delegate", "run"]
    assert set(container["args"][::2]) <= flags
    assert {e["name"] for e in container["env"]} <= envvars
