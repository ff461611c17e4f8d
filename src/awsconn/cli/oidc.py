"""``awsconn oidc ...``: the OIDC issuer's signing keys (rotate, list) on the local store.

The issuer itself is the server's (``awsconn server --issuer-url``); the keys live in the
store, so these commands run where the store is (a server's host with its database URL).
"""

from __future__ import annotations

from typing import Any

import typer

from awsconn.cli.backend import local_only
from awsconn.cli.common import OUTPUT, build_context, check_output
from awsconn.cli.output import print_json

app = typer.Typer(no_args_is_help=True, help="The OIDC issuer's signing keys: rotate, list.")


def _when(value: Any) -> str | None:
    from awsconn.model.clock import iso_z

    return None if value is None else iso_z(value)


@app.command("rotate-key")
def rotate_key(output: str = OUTPUT) -> None:
    """Make a new signing key; the old one signs nothing more and stays in the JWKS until
    every token it signed has expired (about 6 minutes)."""
    from awsconn.service.oidc_issuer import rotate_key as rotate

    output = check_output(output)
    local_only("oidc rotate-key")
    ctx = build_context()
    try:
        done = rotate(ctx)
    finally:
        ctx.close()
    wire = {
        "kid": done.kid,
        "retired": list(done.retired),
        "publishedUntil": _when(done.published_until),
    }
    if output == "json":
        print_json(wire)
        return
    typer.echo(f"new signing key {done.kid}")
    for kid in done.retired:
        typer.echo(f"retired {kid}: still in the JWKS until {wire['publishedUntil']}")


@app.command("keys")
def keys(output: str = OUTPUT) -> None:
    """The signing key and the retired keys still published, newest first (no key material)."""
    from awsconn.service.oidc_issuer import list_keys

    output = check_output(output)
    local_only("oidc keys")
    ctx = build_context()
    try:
        found = list_keys(ctx)
    finally:
        ctx.close()
    rows = [
        {
            "kid": k.kid,
            "signing": k.signing,
            "createdAt": _when(k.created_at),
            "retiredAt": _when(k.retired_at),
            "publishedUntil": _when(k.published_until),
        }
        for k in found
    ]
    if output == "json":
        print_json(rows)
        return
    if not rows:
        typer.echo("no signing key yet (one is made when the first token is signed)")
    for row in rows:
        state = "signing" if row["signing"] else f"retired, published until {row['publishedUntil']}"
        typer.echo(f"{row['kid']}  created {row['createdAt']}  {state}")
