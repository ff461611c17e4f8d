"""``awsconn delegate ...``: run a delegate, list the delegates, manage delegate tokens."""

from __future__ import annotations

import sys
from typing import Any

import typer

from awsconn.cli.backend import backend
from awsconn.cli.common import OUTPUT, check_output
from awsconn.cli.output import console, print_json

app = typer.Typer(
    no_args_is_help=True, help="Delegates: run one, list them, their tokens (shown once)."
)
token_app = typer.Typer(
    no_args_is_help=True, help="Delegate tokens: create (shown once), list, revoke."
)
app.add_typer(token_app, name="token")


def _when(value: Any) -> str:
    from awsconn.model.clock import iso_z

    return "-" if value is None else iso_z(value, seconds=True)


@app.command("run")
def run(
    manager: str | None = typer.Option(
        None,
        "--manager",
        metavar="URL",
        envvar="AWSCONN_DELEGATE_MANAGER",
        help="The awsconn server's URL (env AWSCONN_DELEGATE_MANAGER).",
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        metavar="TOKEN",
        envvar="AWSCONN_DELEGATE_TOKEN",
        show_envvar=False,
        help="A delegate token (awsc_...); prefer env AWSCONN_DELEGATE_TOKEN: command lines "
        "are visible to other users of the machine.",
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        metavar="NAME",
        envvar="AWSCONN_DELEGATE_NAME",
        help="The delegate's name (several instances may share one).",
    ),
    tags: list[str] = typer.Option(
        [],
        "--tags",
        metavar="TAGS",
        help="Its tags, comma-separated or repeated: a connector's delegateSelectors must "
        "all be among them (default: env AWSCONN_DELEGATE_TAGS).",
    ),
    init_script: str | None = typer.Option(
        None,
        "--init-script",
        metavar="FILE",
        help="A script run once before taking work; its exit status and output's end are "
        "reported (a failure: not connected, exit 1).",
    ),
    init_timeout: float = typer.Option(
        600.0, "--init-timeout", metavar="SECONDS", help="How long the init script may run."
    ),
    concurrency: int = typer.Option(
        4, "--concurrency", metavar="N", help="Tasks run at once (1-64)."
    ),
    poll: float = typer.Option(
        10.0,
        "--poll",
        metavar="SECONDS",
        help="How long one long poll waits for a task (1-60); a queued task is taken at once.",
    ),
    ca_bundle: str | None = typer.Option(
        None, "--ca-bundle", metavar="FILE", help="CA certificates to verify the server's TLS."
    ),
) -> None:
    """Run a delegate: outbound connections only, its own AWS identity, until SIGTERM
    (running tasks finish first)."""
    import os

    from awsconn.delegate.agent import run_agent
    from awsconn.delegate.options import check_options

    given_tags = tags or [os.environ.get("AWSCONN_DELEGATE_TAGS", "")]
    options = check_options(
        manager=manager,
        token=token,
        name=name,
        tags=given_tags,
        concurrency=concurrency,
        poll_seconds=poll,
        init_script=init_script,
        init_timeout_s=init_timeout,
        verify=ca_bundle or True,
    )
    raise typer.Exit(run_agent(options))


@app.command("list")
def list_(
    connected: bool = typer.Option(False, "--connected", help="Only those connected now."),
    output: str = OUTPUT,
) -> None:
    """Registered delegates: tags, capabilities, version, last heartbeat, connected (or why
    not, with a failed init script's exit status and output's end), running tasks."""
    output = check_output(output)
    infos = backend().list_delegates(connected_only=connected)
    if output == "json":
        print_json([i.wire() for i in infos])
        return
    from rich.table import Table

    table = Table(
        "NAME", "ID", "STATUS", "TAGS", "CAPABILITIES", "VERSION", "LAST HEARTBEAT", "RUNNING"
    )
    for i in infos:
        table.add_row(
            i.name,
            i.id[:8],
            i.status,
            ",".join(i.tags) or "-",
            ",".join(i.capabilities or ()) or "-",
            i.version,
            _when(i.last_heartbeat),
            str(len(i.running_tasks)),
        )
    out = console()
    out.print(table)
    for i in infos:
        if i.connected:
            continue
        out.print(f"{i.name} ({i.id[:8]}) not connected: {i.reason}", markup=False)
        if i.init_status == "failed" and i.init_output:
            out.print(f"  init script output (exit {i.init_exit_code}), its end:", markup=False)
            for line in i.init_output.rstrip("\n").splitlines()[-20:]:
                out.print(f"    {line}", markup=False)


@token_app.command("create")
def token_create(
    name: str = typer.Option(
        ..., "--name", metavar="NAME", help="A name, unique among live delegate tokens."
    ),
    expires: str = typer.Option(
        "never",
        "--expires",
        metavar="WHEN",
        help="When it expires: 30d, 12h, 90m, an ISO date or time, or never (the default).",
    ),
    output: str = OUTPUT,
) -> None:
    """Create a delegate token (one may run many delegates); printed once, on stdout."""
    output = check_output(output)
    issued = backend().create_delegate_token(name=name, expires=expires)
    if output == "json":
        print_json(issued.wire())
        return
    sys.stderr.write(
        f"delegate token {issued.info.name!r} created; it is shown this once, store it now\n"
    )
    sys.stdout.write(issued.token + "\n")


@token_app.command("list")
def token_list(
    all_: bool = typer.Option(False, "--all", help="Revoked and expired tokens too."),
    output: str = OUTPUT,
) -> None:
    """List delegate tokens (never the tokens themselves: a prefix to recognise each)."""
    output = check_output(output)
    infos = backend().list_delegate_tokens(include_ended=all_)
    if output == "json":
        print_json([i.wire() for i in infos])
        return
    from rich.table import Table

    table = Table("NAME", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED", "ID")
    for i in infos:
        table.add_row(
            i.name,
            i.prefix + "…",
            i.status,
            _when(i.created_at),
            "never" if i.expires_at is None else _when(i.expires_at),
            _when(i.last_used_at),
            i.id,
        )
    console().print(table)


@token_app.command("revoke")
def token_revoke(
    name: str = typer.Argument(..., metavar="NAME", help="The live delegate token of that name."),
    output: str = OUTPUT,
) -> None:
    """Revoke a delegate token: its delegates are refused from their next call on."""
    output = check_output(output)
    info = backend().revoke_delegate_token(name=name)
    if output == "json":
        print_json(info.wire())
        return
    typer.echo(f"delegate token {info.name!r} ({info.id}) revoked")
