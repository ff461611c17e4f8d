"""Every command's --help reads well: placeholders like REF and FILE, each option explained.

Walks the whole command tree, so a command added later is held to the same rules.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest
import typer.main

from awsconn.cli import main
from awsconn.cli.app import NOUNS, build_app

PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_:=]*(\[=[A-Z_]+\])?(\.\.\.)?$")
PYTHON_TYPE = re.compile(r"<(str|int|float|bool|path|list\[[a-z]+\]|[a-z]+ range)>")


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    for noun in (*NOUNS, ""):
        root = typer.main.get_command(build_app([noun] if noun else []))
        for name, command in getattr(root, "commands", {}).items():
            if hasattr(command, "commands"):  # a noun: its commands are the leaves
                if name != noun:
                    continue
                for sub, leaf in command.commands.items():
                    yield (name, sub), leaf
            elif not noun:
                yield (name,), command


COMMANDS = sorted(_commands(), key=lambda item: item[0])


def test_the_tree_has_every_command() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"connector test", "secret delete", "permissions list", "exec", "demo"} <= paths


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_help_uses_placeholders_and_explains_every_option(
    path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    usage = text.splitlines()[0]
    assert "{" not in usage, usage
    assert not PYTHON_TYPE.search(text), PYTHON_TYPE.search(text)
    summary = re.split(r"\n\s*\n", (command.help or "").strip())[0]
    assert summary[:1].isupper(), summary
    assert summary.endswith(".") or ":\n" in summary, summary
    for param in command.params:
        if param.name == "help":
            continue
        label = "/".join(getattr(param, "opts", ())) or str(param.name)
        helptext = getattr(param, "help", None) or ""
        assert helptext[:1].isupper() and helptext.rstrip().endswith("."), (label, helptext)
        if param.param_type_name == "option" and getattr(param, "is_flag", False):
            continue
        assert param.metavar and PLACEHOLDER.match(param.metavar), (label, param.metavar)
        assert param.metavar.split("...")[0] in text, (label, text)


def test_version_is_the_installed_packages_and_imports_no_cli_framework() -> None:
    probe = (
        "import sys\nfrom awsconn.cli import main\nrc = main(['--version'])\n"
        "print(rc, ','.join(m for m in ('typer', 'click', 'rich', 'boto3', 'sqlalchemy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    first, last = out.stdout.strip().splitlines()
    assert first == f"awsconn {version('awsconn')}"
    assert last.strip() == "0"


def test_version_is_listed_in_the_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--version" in capsys.readouterr().out
