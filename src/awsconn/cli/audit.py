"""``awsconn audit list``: who did what, when, from where, and how it went (newest first)."""

from __future__ import annotations

import json
import sys

import typer

from awsconn.cli.backend import backend
from awsconn.cli.common import OUTPUT, check_output
from awsconn.cli.output import console, print_json

app = typer.Typer(no_args_is_help=True, help="The audit log: every write and credential issued.")


@app.command("list")
def list_(
    since: str | None = typer.Option(
        None, "--since", metavar="WHEN", help="From this time: 24h, 7d, 90m ago, or an ISO date."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="WHEN", help="Before this time (same forms as --since)."
    ),
    actor: str | None = typer.Option(
        None, "--actor", metavar="NAME", help="Only this caller (a token's name; 'local')."
    ),
    action: str | None = typer.Option(
        None, "--action", metavar="ACTION", help="Only this action (token.create) or noun.*."
    ),
    target: str | None = typer.Option(
        None, "--target", metavar="REF", help="Only this target, as recorded (eng/web/prod_aws)."
    ),
    limit: int = typer.Option(100, "--limit", metavar="N", help="At most N events (1-1000)."),
    cursor: str | None = typer.Option(
        None, "--cursor", metavar="CURSOR", help="The next page: the cursor a page ended with."
    ),
    output: str = OUTPUT,
) -> None:
    """List audit events, newest first, a page at a time."""
    from awsconn.model.clock import iso_z

    output = check_output(output)
    page = backend().list_audit(
        since=since,
        until=until,
        actor=actor,
        action=action,
        target=target,
        limit=limit,
        cursor=cursor,
    )
    if output == "json":
        print_json(page.wire())
        return
    from rich.table import Table

    table = Table("AT", "ACTOR", "ADDRESS", "ACTION", "TARGET", "VERSION", "OUTCOME", "DETAIL")
    for e in page.events:
        table.add_row(
            iso_z(e.at, seconds=True),
            e.actor,
            e.address or "-",
            e.action,
            f"{e.target.kind} {e.target.ref}",
            "-" if e.version is None else str(e.version),
            e.outcome,
            json.dumps(e.detail, sort_keys=True) if e.detail else "",
        )
    console().print(table)
    if page.next_cursor is not None:
        sys.stderr.write(f"more events: add --cursor {page.next_cursor}\n")
