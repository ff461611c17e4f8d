"""``awsconn token ...``: API tokens for a server; each shown once, stored only as a hash."""

from __future__ import annotations

import sys
from typing import Any

import typer

from awsconn.cli.backend import backend, local_only
from awsconn.cli.common import OUTPUT, build_context, check_output
from awsconn.cli.output import console, print_json
from awsconn.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="API tokens: create (shown once), list, revoke.")


def _when(value: Any) -> str:
    from awsconn.model.clock import iso_z

    return "never" if value is None else iso_z(value)


def _grant(info: Any) -> str:
    from awsconn.service.tokens import scope_of_text

    text = f"{info.role} in {scope_of_text(info.scope).label()}"
    return text + (" with connector access" if info.access else "")


@app.command("create")
def create(
    name: str = typer.Option(
        ..., "--name", metavar="NAME", help="A name, unique among live tokens."
    ),
    role: str = typer.Option(
        ..., "--role", metavar="ROLE", help="The role: viewer, editor or admin."
    ),
    scope: str | None = typer.Option(
        None,
        "--scope",
        metavar="SCOPE",
        help="ORG or ORG/PROJECT: where the role holds, and inside it (default: the account).",
    ),
    access: bool = typer.Option(
        False, "--access", help="Also grant connector:access (obtain connectors' credentials)."
    ),
    expires: str = typer.Option(
        "30d",
        "--expires",
        metavar="WHEN",
        help="When it expires: 30d, 12h, 90m, an ISO date or time, or never (365d at most).",
    ),
    description: str | None = typer.Option(
        None, "--description", metavar="TEXT", help="What the token is for (free text)."
    ),
    output: str = OUTPUT,
) -> None:
    """Create a token; it is printed once, on stdout, and never again."""
    output = check_output(output)
    issued = backend().create_token(
        name=name,
        role=role,
        scope=scope,
        access=access,
        expires=expires,
        description=description,
    )
    if output == "json":
        print_json(issued.wire())
        return
    info = issued.info
    sys.stderr.write(
        f"token {info.name!r} created: {_grant(info)}, expires {_when(info.expires_at)}; "
        "it is shown this once, store it now\n"
    )
    sys.stdout.write(issued.token + "\n")


@app.command("list")
def list_(
    all_: bool = typer.Option(False, "--all", help="Revoked and expired tokens too."),
    output: str = OUTPUT,
) -> None:
    """List tokens (never the tokens themselves: a prefix to recognise each)."""
    output = check_output(output)
    infos = backend().list_tokens(include_ended=all_)
    if output == "json":
        print_json([i.wire() for i in infos])
        return
    from rich.table import Table

    table = Table(
        "NAME", "ROLE", "SCOPE", "ACCESS", "PREFIX", "STATUS", "EXPIRES", "LAST USED", "ID"
    )
    for i in infos:
        table.add_row(
            i.name,
            i.role,
            i.scope or "account",
            "yes" if i.access else "no",
            i.prefix + "…",
            i.status,
            _when(i.expires_at),
            "-" if i.last_used_at is None else _when(i.last_used_at),
            i.id,
        )
    console().print(table)


@app.command("revoke")
def revoke(
    name: str | None = typer.Argument(None, metavar="NAME", help="The live token of that name."),
    token_id: str | None = typer.Option(None, "--id", metavar="ID", help="The token with this id."),
    output: str = OUTPUT,
) -> None:
    """Revoke a token (by name, or --id); it authenticates nothing from now on."""
    output = check_output(output)
    if (name is None) == (token_id is None):
        raise InvalidInput("give the token's NAME or --id ID (one of them)")
    info = backend().revoke_token(name=name, token_id=token_id)
    if output == "json":
        print_json(info.wire())
        return
    typer.echo(f"token {info.name!r} ({info.id}) revoked")


@app.command("bootstrap")
def bootstrap() -> None:
    """Make the first admin token if no live one exists: printed once, written to
    $AWSCONN_HOME/admin-token (0600). What a server does when it starts."""
    from awsconn.service import tokens

    local_only("token bootstrap")
    ctx = build_context()
    token = tokens.ensure_admin_token(ctx)
    if token is None:
        sys.stderr.write("a live admin token exists already: nothing created\n")
        return
    sys.stderr.write(
        f"admin token {tokens.BOOTSTRAP_NAME!r} created and written to "
        f"{tokens.admin_token_path(ctx)} (mode 0600); it is printed this once\n"
    )
    sys.stdout.write(token + "\n")
