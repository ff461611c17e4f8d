"""``awsconn demo``: every credential type, good and broken, against a local AWS endpoint."""

from __future__ import annotations

from types import ModuleType

import typer


def demo_service(command: str) -> ModuleType:
    """``awsconn.service.demo`` for ``command``, refused against a server and, without
    the 'demo' extra (moto), with how to install it."""
    from awsconn.cli.backend import local_only
    from awsconn.errors import InternalError

    local_only(command)
    try:
        from awsconn.service import demo as service
    except ImportError as exc:  # moto is the 'demo' extra
        raise InternalError(
            f"the demo needs the 'demo' extra ({exc.name} is missing)",
            hint="pip install 'awsconn[demo]'",
        ) from None
    return service


def demo() -> None:
    """Start a local AWS endpoint, create connectors of every kind, test them, show the results."""
    from rich.console import Console
    from rich.table import Table

    run_demo = demo_service("demo").run_demo
    console = Console(highlight=False)
    with console.status("starting", spinner="dots") as status:

        def progress(message: str) -> None:
            console.log(message)
            status.update(message)

        rows = run_demo(progress)
    table = Table(
        "CONNECTOR", "SCENARIO", "RESULT", "DETAIL", title="awsconn demo: connection tests"
    )
    hints: list[tuple[str, str]] = []
    for row in rows:
        res = row["result"]
        err = res["errors"][0] if res["errors"] else None
        if err is None:
            ident = res.get("identity") or {}
            detail = f"{ident.get('arn')} via {ident.get('credentialMethod')}"
        else:
            detail = err["message"]
            if err.get("hint"):
                hints.append((f"{row['case'].identifier} ({err['code']})", err["hint"]))
        style = "green" if row["got"] == "SUCCESS" else "red"
        table.add_row(
            row["case"].identifier,
            row["case"].story,
            f"[{style}]{row['got']}[/{style}]",
            detail,
        )
    console.print(table)
    console.print("[bold]What each failure tells the user to change:[/bold]")
    for title, hint in hints:
        console.print(f"[bold]{title}[/bold]")
        console.print(f"  {hint}", markup=False)
    unexpected = [r["case"].identifier for r in rows if not r["asExpected"]]
    if unexpected:
        console.print(f"[red]not as expected:[/red] {', '.join(unexpected)}")
        raise typer.Exit(1)
    console.print(f"{len(rows)} connectors tested, each result as expected; everything cleaned up.")
