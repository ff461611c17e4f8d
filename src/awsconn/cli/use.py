"""Commands that hand a connector's credentials to other tools: ``credentials`` and ``exec``."""

from __future__ import annotations

import os

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


def _split_command(
    command: list[str], here: bool, timeout: float, flags: dict[str, bool]
) -> tuple[list[str], bool, float]:
    """Options written between REF and ``--`` (``REF --here -- cmd``) apply to awsconn
    (``flags`` holds ``--server`` and ``--no-cache``, set in place)."""
    if "--" not in command:
        return command, here, timeout
    cut = command.index("--")
    before, after = command[:cut], command[cut + 1 :]
    i = 0
    while i < len(before):
        word = before[i]
        if word == "--here":
            here = True
        elif word in ("--server", "--no-cache"):
            flags[word] = True
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
                hint="awsconn exec [--here] [--server] [--no-cache] [--timeout S] REF "
                "-- COMMAND [ARGS...]",
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
    server: bool = typer.Option(
        False,
        "--server",
        help="Serve refreshed credentials to the command on 127.0.0.1 (the container "
        "credentials protocol) instead of putting keys in its environment: for commands "
        "that outlive a session.",
    ),
    no_cache: bool = NO_CACHE,
) -> None:
    """Run a command with the connector's credentials and region in its environment
    (its exit code is awsconn's; 127 when the command is not found)."""
    from awsconn.cli.child_process import run_child

    flags = {"--server": server, "--no-cache": no_cache}
    command, here, timeout = _split_command(command, here, timeout, flags)
    if not command:
        raise InvalidInput("give a command after --, e.g. awsconn exec REF -- aws s3 ls")
    if flags["--server"]:
        raise typer.Exit(_exec_served(ref, command, here=here, timeout=timeout))
    env = backend().exec_environment(
        ref_of(ref), dict(os.environ), here=here, timeout=timeout, cache=not flags["--no-cache"]
    )
    raise typer.Exit(run_child(command, env))


def _exec_served(ref: str, command: list[str], *, here: bool, timeout: float) -> int:
    """``exec --server``: the command runs while a loopback server hands it credentials,
    fetched again before they expire; the server stops when the command ends."""
    from awsconn.cli.child_process import run_child
    from awsconn.service.connection import served_environment
    from awsconn.service.credential_server import ContainerCredentialServer

    fetch, region = backend().credential_feed(ref_of(ref), here=here, timeout=timeout)
    with ContainerCredentialServer(fetch) as server:
        env = served_environment(dict(os.environ), server.environment(), region)
        return run_child(command, env)
