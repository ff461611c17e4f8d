"""``awsconn login URL``, ``awsconn logout``, ``awsconn whoami``: which server the CLI uses.

``login`` reads the token from stdin (or a hidden prompt on a terminal: never an
argument, which would stay in shell history and process lists), asks the server who
it is before anything is saved, then writes URL and token to the login file (0600).
From then on ``connector``, ``secret``, ``token``, ``permissions``, ``audit``,
``credentials`` and ``exec`` run against that server; ``logout`` goes back to the
local store. ``AWSCONN_URL`` with ``AWSCONN_TOKEN`` does the same without a file.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

from awsconn.cli.common import OUTPUT, check_output, read_bounded
from awsconn.cli.output import print_json
from awsconn.cli.remote import TOKEN_ENV, URL_ENV, forget_login, login_path, save_login
from awsconn.errors import InvalidInput

if TYPE_CHECKING:
    from awsconn.model.results import CallerInfo

__all__ = ["login", "logout", "whoami"]

_MAX_TOKEN_BYTES = 4096


def _read_token() -> str:
    """The token from a hidden prompt (a terminal) or stdin (a pipe), without the line
    break that ends it."""
    if sys.stdin.isatty():
        text = str(typer.prompt("API token", hide_input=True))
    else:
        data = read_bounded(sys.stdin.buffer, _MAX_TOKEN_BYTES)
        if len(data) > _MAX_TOKEN_BYTES:
            raise InvalidInput(f"the token on stdin is longer than {_MAX_TOKEN_BYTES} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the token on stdin is not text (not shown)") from None
    token = text.strip()
    if not token:
        raise InvalidInput(
            "no API token was given",
            hint="pipe it on stdin: printf '%s' \"$TOKEN\" | awsconn login URL",
        )
    return token


def login(
    url: str = typer.Argument(
        ..., metavar="URL", help="The server's address, e.g. https://awsconn.example:8080."
    ),
) -> None:
    """Use an awsconn server from now on: the token comes from stdin or a hidden prompt,
    is checked with the server, then saved with the URL (0600) under $AWSCONN_HOME."""
    from awsconn.client.client import connect
    from awsconn.client.transport import check_url

    address = check_url(url)
    token = _read_token()
    with connect(address, token) as client:
        client.verify()
    path = save_login(os.environ, address, token)
    sys.stderr.write(f"logged in to {address}: it accepts the token; saved in {path} (mode 0600)\n")
    if os.environ.get(URL_ENV) or os.environ.get(TOKEN_ENV):
        sys.stderr.write(
            f"note: {URL_ENV} and {TOKEN_ENV} are set in this environment and win over the "
            "login file\n"
        )


def logout() -> None:
    """Forget the saved server: commands use the local store again."""
    path = forget_login(os.environ)
    if path is None:
        sys.stderr.write(f"not logged in ({login_path(os.environ)} does not exist)\n")
    else:
        sys.stderr.write(f"logged out: {path} removed; commands use the local store\n")
    if os.environ.get(URL_ENV) or os.environ.get(TOKEN_ENV):
        sys.stderr.write(
            f"note: {URL_ENV} and {TOKEN_ENV} are set in this environment: commands still "
            "use that server until they are unset\n"
        )


def _grant(info: CallerInfo) -> str:
    """``editor in org eng, with connector access``."""
    scope = info.scope
    where = "the account" if scope is None else ("project " if "/" in scope else "org ") + scope
    return f"{info.role} in {where}" + (", with connector access" if info.access else "")


def _caller_line(info: CallerInfo) -> str:
    if info.kind == "local":
        return f"caller: {info.name} (the store's owner): {_grant(info)}"
    return f"caller: {info.name} ({info.kind} token {info.token_id}): {_grant(info)}"


def whoami(output: str = OUTPUT) -> None:
    """Show where commands run and as whom: the server (and that it accepts the token),
    the token's name, role, scope and access; or the local store and its owner."""
    from awsconn.cli.backend import remote_of

    output = check_output(output)
    remote = remote_of()
    if remote is None:
        from awsconn.cli.process import build_context
        from awsconn.service.tokens import whoami as local_caller
        from awsconn.store.home import awsconn_home

        home = awsconn_home(os.environ)
        me = local_caller(build_context())
        if output == "json":
            print_json({"server": None, "store": str(home), "caller": me.wire()})
        else:
            typer.echo(f"local store {home} (no server: 'awsconn login URL' to use one)")
            typer.echo(_caller_line(me))
        return
    from awsconn.client.client import connect

    with connect(remote.url, remote.token) as client:
        me = client.whoami()
    if output == "json":
        print_json(
            {
                "server": remote.url,
                "configuredBy": remote.source,
                "tokenAccepted": True,
                "caller": me.wire(),
            }
        )
        return
    typer.echo(f"server {remote.url} (configured by {remote.source}); it accepts the token")
    typer.echo(_caller_line(me))
