"""The Typer application: one sub-app per noun, each in a module named for it.

Only the noun a command line names is built in full: Typer inspects the signature
of every command it builds, so building all of them for every run would cost more
than the rest of ``awsconn --help``. Nouns not invoked are registered with their
help text only, which is all the top-level help shows.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import typer
from typer.core import TyperCommand

from awsconn.cli.help_format import HelpCommand

__all__ = ["NOUNS", "SUBCOMMANDS", "build_app"]

HELP = "AWS connectors: store them, test them, check their permissions, use their credentials."

# noun -> (module holding its Typer `app`, one-line help)
NOUNS: dict[str, tuple[str, str]] = {
    "connector": ("awsconn.cli.connector", "Create, test, import and export AWS connectors."),
    "secret": ("awsconn.cli.secret", "Encrypted secrets (values are write-only)."),
    "policy": ("awsconn.cli.policy", "The offline IAM policy engine."),
    "permissions": ("awsconn.cli.permissions", "What each use needs; check a connector has it."),
    "token": ("awsconn.cli.token", "API tokens: create (shown once), list, revoke."),
    "audit": ("awsconn.cli.audit", "The audit log: every write and credential issued."),
    "oidc": ("awsconn.cli.oidc", "The OIDC issuer's signing keys: rotate, list."),
    "delegate": ("awsconn.cli.delegate", "Delegates: run one, list them, their tokens, manifests."),
}

# noun -> modules adding sub-commands to it, each with ``register(app)`` (kept apart from
# the noun's own module: ``delegate manifest`` is ``cli/delegate_manifest.py``)
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "delegate": ("awsconn.cli.delegate_manifest",),
}


def _show_version(value: bool) -> None:
    if value:
        from awsconn.cli.version import version_line

        typer.echo(version_line())
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_show_version,
        help="Show the installed version and exit.",
    ),
) -> None:
    """AWS connectors: store them, test them, check their permissions, use their credentials."""


def _readable_help(sub: typer.Typer) -> typer.Typer:
    """Every command of ``sub`` prints its help with metavars (``REF``), see help_format."""
    for info in sub.registered_commands:
        if info.cls in (None, TyperCommand):  # Typer's default; a chosen class stays
            info.cls = HelpCommand
    return sub


def build_app(argv: Sequence[str] = ()) -> typer.Typer:
    """The CLI for this command line: the invoked noun in full, the others by name only."""
    from awsconn.cli import demo, demo_server, login, server, use

    app = typer.Typer(
        name="awsconn",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    invoked = next((a for a in argv if not a.startswith("-")), None)
    for noun, (module, help_text) in NOUNS.items():
        if noun == invoked:
            sub = importlib.import_module(module).app
            for extra in SUBCOMMANDS.get(noun, ()):
                importlib.import_module(extra).register(sub)
            sub = _readable_help(sub)
        else:
            sub = typer.Typer(help=help_text)
        app.add_typer(sub, name=noun, help=help_text)
    app.command("credentials", cls=HelpCommand)(use.credentials)
    app.command("exec", cls=HelpCommand, context_settings={"allow_interspersed_args": False})(
        use.exec_
    )
    app.command("demo", cls=HelpCommand)(demo.demo)
    app.command("demo-server", cls=HelpCommand)(demo_server.demo_server)
    app.command("server", cls=HelpCommand)(server.server)
    app.command("login", cls=HelpCommand)(login.login)
    app.command("logout", cls=HelpCommand)(login.logout)
    app.command("whoami", cls=HelpCommand)(login.whoami)
    return app
