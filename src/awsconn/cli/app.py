"""The Typer application: one sub-app per noun, each in a module named for it."""

from __future__ import annotations

import typer

from awsconn.cli import connector, demo, permissions, policy, secret, use

app = typer.Typer(
    name="awsconn",
    help="AWS connectors: store them, test them, check their permissions, use their credentials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(
    connector.app, name="connector", help="Create, test, import and export AWS connectors."
)
app.add_typer(secret.app, name="secret", help="Encrypted secrets (values are write-only).")
app.add_typer(policy.app, name="policy", help="The offline IAM policy engine.")
app.add_typer(
    permissions.app, name="permissions", help="What each use needs; check a connector has it."
)
app.command("credentials")(use.credentials)
app.command("exec", context_settings={"allow_interspersed_args": False})(use.exec_)
app.command("demo")(demo.demo)
