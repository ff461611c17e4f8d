"""Commands that hand a connector's credentials to other tools: ``credentials`` and ``exec``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import typer

from awsconn.cli.common import build_context, ref_of
from awsconn.errors import InvalidInput

HERE = typer.Option(
    False, "--here", help="Use this machine's identity even without the delegate tags."
)


def credentials(ref: str, here: bool = HERE) -> None:
    """Print AWS CLI credential_process JSON, for ~/.aws/config:
    credential_process = awsconn credentials REF"""
    from awsconn.service import connection

    out = connection.credential_process_output(build_context(), ref_of(ref), here=here)
    sys.stdout.write(json.dumps(out) + "\n")


def exec_(
    ref: str,
    command: list[str] = typer.Argument(..., help="The command and its arguments, after --."),
    here: bool = HERE,
) -> None:
    """Run a command with the connector's credentials and region in its environment."""
    from awsconn.service import connection

    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InvalidInput("give a command after --, e.g. awsconn exec REF -- aws s3 ls")
    env = connection.exec_environment(build_context(), ref_of(ref), dict(os.environ), here=here)
    try:
        completed = subprocess.run(command, env=env, check=False)
    except FileNotFoundError:
        raise InvalidInput(f"command not found: {command[0]}") from None
    raise typer.Exit(completed.returncode)
