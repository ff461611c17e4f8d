"""``awsconn secret ...``: values come from stdin or a file, never an argument; never printed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from awsconn.cli.backend import backend, local_only
from awsconn.cli.common import (
    ORG,
    OUTPUT,
    PROJECT,
    YES,
    check_output,
    confirm_delete,
    read_bounded,
)
from awsconn.cli.output import console, print_json
from awsconn.cli.process import build_context
from awsconn.errors import InvalidInput

if TYPE_CHECKING:
    from awsconn.model import EntityRef
    from awsconn.model.results import SecretMetadata

app = typer.Typer(no_args_is_help=True, help="Encrypted secrets (values are write-only).")

IDENTIFIER = typer.Argument(
    ..., metavar="ID", help="The secret's identifier (unique in its scope)."
)
VALUE_FILE = typer.Option(
    None, "--value-file", metavar="FILE", help="Read the value from this file (not stdin)."
)
# `secret create ID VALUE` is accepted by the parser and refused here: the framework
# would refuse it by echoing the extra argument, i.e. the value, to a terminal or CI log.
TAKES_STRAY = {"allow_extra_args": True}


def _refuse_stray(ctx: typer.Context) -> None:
    if ctx.args:
        raise InvalidInput(
            "a secret value is never taken from an argument (it would stay in shell history "
            "and process lists); pipe it on stdin or use --value-file FILE",
            hint="printf '%s' \"$VALUE\" | awsconn secret create ID",
        )


def _ref(identifier: str, org: str | None, project: str | None) -> EntityRef:
    """The secret's reference from the command line (the model checks the scope)."""
    from awsconn.model import EntityRef, scope_of_settings

    return EntityRef(scope_of_settings(org, project), identifier)


def _read_value(value_file: Path | None) -> bytes:
    """The value from --value-file, a prompt or stdin; at most the size limit plus the two
    bytes of a final line break plus one, so the size check sees "too large" without
    reading on (``--value-file /dev/zero`` would never end)."""
    from awsconn.service.secrets import MAX_SECRET_BYTES

    limit = MAX_SECRET_BYTES + 2
    if value_file is not None:
        try:
            with value_file.open("rb") as stream:
                data = read_bounded(stream, limit)
        except OSError as exc:
            raise InvalidInput(f"cannot read --value-file {value_file}: {exc.strerror}") from None
    elif sys.stdin.isatty():
        data = typer.prompt("Value", hide_input=True, confirmation_prompt=True).encode()
    else:
        data = read_bounded(sys.stdin.buffer, limit)
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    return data


def _version(meta: SecretMetadata) -> str:
    return "" if meta.version is None else f" (version {meta.version})"


@app.command("create", context_settings=TAKES_STRAY)
def create(
    ctx: typer.Context,
    identifier: str = IDENTIFIER,
    org: str | None = ORG,
    project: str | None = PROJECT,
    value_file: Path | None = VALUE_FILE,
    description: str = typer.Option(
        "", "--description", metavar="TEXT", help="What the secret is for (free text)."
    ),
) -> None:
    """Store a new secret; the value comes from stdin or --value-file."""
    _refuse_stray(ctx)
    ref = _ref(identifier, org, project)
    where = backend()
    meta = where.create_secret(ref, _read_value(value_file), description=description)
    typer.echo(f"secret {meta.ref} created{_version(meta)}")


@app.command("update", context_settings=TAKES_STRAY)
def update(
    ctx: typer.Context,
    identifier: str = IDENTIFIER,
    org: str | None = ORG,
    project: str | None = PROJECT,
    value_file: Path | None = VALUE_FILE,
    description: str | None = typer.Option(
        None, "--description", metavar="TEXT", help="A new description (default: keep it)."
    ),
) -> None:
    """Replace a secret's value; the value comes from stdin or --value-file."""
    _refuse_stray(ctx)
    ref = _ref(identifier, org, project)
    where = backend()
    meta = where.update_secret(ref, _read_value(value_file), description=description)
    typer.echo(f"secret {meta.ref} updated{_version(meta)}")


@app.command("list")
def list_(
    org: str | None = ORG,
    project: str | None = PROJECT,
    all_scopes: bool = typer.Option(False, "--all", help="Secrets of every scope."),
    output: str = OUTPUT,
) -> None:
    """List secrets (metadata only; values are never shown)."""
    output = check_output(output)
    found = backend().list_secrets(org=org, project=project, all_scopes=all_scopes)
    rows = [m.wire() for m in found]
    if output == "json":
        print_json(rows)
        return
    from rich.table import Table

    table = Table("REF", "DESCRIPTION", "VERSION", "KEY", "UPDATED")
    for r in rows:
        table.add_row(
            r["ref"], r["description"], str(r["version"] or "-"), r["keyId"] or "-", r["updatedAt"]
        )
    console().print(table)


@app.command("delete")
def delete(
    identifier: str = IDENTIFIER,
    org: str | None = ORG,
    project: str | None = PROJECT,
    yes: bool = YES,
    force: bool = typer.Option(False, "--force", help="Delete even while connectors use it."),
) -> None:
    """Delete a secret (asks first on a terminal; without one, needs --yes; refused while a
    connector uses it, unless --force)."""
    ref = _ref(identifier, org, project)
    where = backend()
    confirm_delete(f"secret {ref}", yes=yes)
    where.delete_secret(ref, force=force)
    typer.echo(f"secret {ref} deleted")


@app.command("reencrypt")
def reencrypt() -> None:
    """Re-seal every secret (and the OIDC issuer's signing keys) under the newest master
    key (after adding a key to rotate)."""
    from awsconn.service import secrets

    local_only("secret reencrypt")
    done = secrets.reencrypt(build_context())
    typer.echo(f"{done.describe()} re-encrypted under the newest key")


@app.command("rotate-key")
def rotate_key() -> None:
    """Add a new master key to the key file and re-seal every secret (and the OIDC
    issuer's signing keys) under it."""
    from awsconn.service import secrets

    local_only("secret rotate-key")
    kid, done = secrets.rotate_master_key(build_context())
    typer.echo(
        f"new master key {kid}; {done.describe()} re-encrypted under it "
        "(older keys stay in the key file)"
    )
