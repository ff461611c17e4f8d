"""Commands that hand a connector's credentials to other tools: ``credentials`` and ``exec``."""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from awsconn.cli.backend import backend
from awsconn.cli.common import CONNECTOR_REF, ref_of, timeout_option
from awsconn.errors import InvalidInput
from awsconn.timeouts import CREDENTIALS_TIMEOUT

HERE = typer.Option(
    False, "--here", help="Use this machine's identity even without the delegate tags."
)


NO_CACHE = typer.Option(
    False,
    "--no-cache",
    help="Fetch fresh credentials, bypassing (and replacing) the encrypted cache.",
)

TIMEOUT = timeout_option(CREDENTIALS_TIMEOUT, "Seconds to get the credentials, retries included")


def credentials(
    ref: str = CONNECTOR_REF,
    here: bool = HERE,
    timeout: float = TIMEOUT,
    no_cache: bool = NO_CACHE,
) -> None:
    """Print AWS CLI credential_process JSON, for ~/.aws/config:
    credential_process = awsconn credentials REF
    (temporary credentials are cached, encrypted, until 5 minutes before they expire)"""
    from awsconn.cli.credential_process import CredentialsCall, run

    run(CredentialsCall(ref, here, timeout, no_cache))


def _split_command(command: list[str], here: bool, timeout: float) -> tuple[list[str], bool, float]:
    """Options written between REF and ``--`` (``REF --here -- cmd``) apply to awsconn."""
    if "--" not in command:
        return command, here, timeout
    cut = command.index("--")
    before, after = command[:cut], command[cut + 1 :]
    i = 0
    while i < len(before):
        word = before[i]
        if word == "--here":
            here = True
        elif word == "--timeout" and i + 1 < len(before):
            given = before[i + 1]
            try:
                seconds: object = float(given)
            except ValueError:
                seconds = given
            timeout = CREDENTIALS_TIMEOUT.check(seconds, setting="--timeout")
            i += 1
        else:
            raise InvalidInput(
                f"unexpected {word!r} before --",
                hint="awsconn exec [--here] [--timeout S] REF -- COMMAND [ARGS...]",
            )
        i += 1
    return after, here, timeout


def exec_(
    ref: str = CONNECTOR_REF,
    command: list[str] = typer.Argument(
        ..., metavar="COMMAND...", help="The command and its arguments, after --."
    ),
    here: bool = HERE,
    timeout: float = TIMEOUT,
) -> None:
    """Run a command with the connector's credentials and region in its environment
    (its exit code is awsconn's; 127 when the command is not found)."""
    command, here, timeout = _split_command(command, here, timeout)
    if not command:
        raise InvalidInput("give a command after --, e.g. awsconn exec REF -- aws s3 ls")
    env = backend().exec_environment(ref_of(ref), dict(os.environ), here=here, timeout=timeout)
    try:
        completed = subprocess.run(command, env=env, check=False)
    except FileNotFoundError:
        sys.stderr.write(f"awsconn exec: command not found: {command[0]}\n")
        raise typer.Exit(127) from None
    except PermissionError:
        sys.stderr.write(f"awsconn exec: permission denied: {command[0]}\n")
        raise typer.Exit(126) from None
    raise typer.Exit(completed.returncode)
