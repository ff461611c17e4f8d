"""``awsconn connector ...``: create, apply, import, export, get, list, delete, test, regions."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from awsconn.cli.common import OUTPUT, build_context, check_output, read_input, ref_of
from awsconn.cli.output import console, print_json
from awsconn.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Create, test, import and export AWS connectors.")

FILE = typer.Option(..., "--file", "-f", help="A YAML file ('-' for stdin).")
HERE = typer.Option(
    False,
    "--here",
    help="Run with this machine's own AWS identity even if its tags lack the selectors.",
)


DRY_RUN = typer.Option(
    False, "--dry-run", help="Check everything and say what would change; store nothing."
)


def _write(path: str, mode: str, dry_run: bool) -> None:
    from awsconn.service import connectors

    text, source = read_input(path)
    results = connectors.apply_yaml(
        build_context(), text, mode=mode, source=source, dry_run=dry_run
    )
    for r in results:
        if dry_run:
            typer.echo(f"connector {r.ref} would be {r.action} (dry run: nothing stored)")
        else:
            typer.echo(f"connector {r.ref} {r.action} (version {r.version})")


@app.command("create")
def create(file: str = FILE, dry_run: bool = DRY_RUN) -> None:
    """Create one connector from Harness YAML; fails if it exists."""
    _write(file, "create", dry_run)


@app.command("apply")
def apply(file: str = FILE, dry_run: bool = DRY_RUN) -> None:
    """Create or update connectors from Harness YAML."""
    _write(file, "apply", dry_run)


@app.command("import")
def import_(file: str = FILE, dry_run: bool = DRY_RUN) -> None:
    """Import multi-document YAML: create what is missing, update what differs; all or nothing."""
    _write(file, "import", dry_run)


@app.command("export")
def export(
    org: str | None = typer.Option(None, "--org"),
    project: str | None = typer.Option(None, "--project"),
) -> None:
    """Every connector as multi-document YAML on stdout, deterministically."""
    from awsconn.model import Scope
    from awsconn.service import connectors

    if project is not None and org is None:
        raise InvalidInput("--project needs --org")
    scope = Scope(org, project) if org else None
    sys.stdout.write(connectors.export_yaml(build_context(), scope=scope))


@app.command("get")
def get(
    ref: str, output: str = typer.Option("yaml", "--output", "-o", help="yaml or json")
) -> None:
    """Show one connector (YAML by default) and its last connectivity status."""
    from awsconn.model import connector_to_document, dump_connectors_yaml
    from awsconn.service import connectors

    output = check_output(output, ("yaml", "json"))
    view = connectors.get(build_context(), ref_of(ref))
    if output == "json":
        print_json({**connector_to_document(view.connector), "status": view.summary()})
        return
    sys.stdout.write(dump_connectors_yaml([view.connector]))
    s = view.summary()
    typer.echo(
        f"# version {s['version']}; last status {s['lastStatus'] or 'never tested'}"
        + (f" at {s['lastTestedAt']}" if s["lastTestedAt"] else "")
    )


@app.command("list")
def list_(
    org: str | None = typer.Option(None, "--org", help="Only this org's scope."),
    project: str | None = typer.Option(None, "--project", help="Only this project's scope."),
    tag: list[str] = typer.Option([], "--tag", help="KEY or KEY=VALUE; repeat to require several."),
    credential_type: str | None = typer.Option(
        None, "--type", help="ManualConfig, InheritFromDelegate or Irsa."
    ),
    output: str = OUTPUT,
) -> None:
    """List connectors with scope, type, test region and last connectivity status."""
    from awsconn.model import CredentialType, Scope
    from awsconn.service import connectors

    output = check_output(output)
    if project is not None and org is None:
        raise InvalidInput("--project needs --org")
    if credential_type is not None and credential_type not in {t.value for t in CredentialType}:
        raise InvalidInput(
            f"--type {credential_type!r} is not a credential type; allowed: "
            + ", ".join(t.value for t in CredentialType)
        )
    scope = Scope(org, project) if org else None
    views = connectors.list_connectors(
        build_context(), scope=scope, tags=tag, credential_type=credential_type
    )
    rows = [v.summary() for v in views]
    if output == "json":
        print_json(rows)
        return
    from rich.table import Table

    table = Table("REF", "SCOPE", "TYPE", "REGION", "STATUS", "LAST TESTED")
    for r in rows:
        table.add_row(
            r["ref"],
            r["scope"],
            r["type"],
            r["region"],
            r["lastStatus"] or "-",
            r["lastTestedAt"] or "-",
        )
    console().print(table)


@app.command("delete")
def delete(ref: str, yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Delete a connector (asks first on a terminal)."""
    from awsconn.service import connectors

    target = ref_of(ref)
    if not yes and sys.stdin.isatty() and not typer.confirm(f"Delete connector {target}?"):
        raise typer.Exit(1)
    connectors.delete(build_context(), target)
    typer.echo(f"connector {target} deleted")


@app.command("test")
def test(
    ref: str | None = typer.Argument(None, help="ID, ORG/ID or ORG/PROJECT/ID."),
    all_: bool = typer.Option(False, "--all", help="Test every connector."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=256),
    timeout: float = typer.Option(
        30.0, "--timeout", min=1.0, max=600.0, help="Seconds per connector."
    ),
    here: bool = HERE,
    for_: str | None = typer.Option(
        None, "--for", help="Also check these capabilities (comma-separated)."
    ),
    output: str = OUTPUT,
) -> None:
    """Test credentials: GetCallerIdentity, then DescribeRegions in the test region."""
    from awsconn.service import connection

    output = check_output(output)
    if (ref is None) == (not all_):
        raise InvalidInput("give a connector REF or --all (not both)")
    ctx = build_context()
    capabilities = _capabilities(for_)
    if all_:
        outcomes = _test_all_with_progress(
            ctx, here=here, concurrency=concurrency, timeout=timeout, show=output == "table"
        )
    else:
        outcomes = [connection.test_connector(ctx, ref_of(ref or ""), here=here, timeout_s=timeout)]
    if capabilities is not None or any(o.result and o.result.status == "SUCCESS" for o in outcomes):
        _check_capabilities(ctx, outcomes, capabilities)
    if output == "json":
        print_json(outcomes[0].to_dict() if not all_ else [o.to_dict() for o in outcomes])
    else:
        _print_outcomes(outcomes)
        if all_:
            _print_tally(outcomes)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)


def _test_all_with_progress(
    ctx: Any, *, here: bool, concurrency: int, timeout: float, show: bool
) -> list[Any]:
    """``test --all``; on a terminal, a progress bar on stderr while the tests run."""
    from awsconn.service import connection, connectors

    if not (show and sys.stderr.isatty()):
        return connection.test_all(ctx, here=here, concurrency=concurrency, timeout_s=timeout)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    total = len(connectors.list_connectors(ctx))
    columns = (
        TextColumn("testing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("test", total=total, last="")
        failed = 0

        def seen(outcome: Any) -> None:
            nonlocal failed
            failed += 0 if outcome.ok else 1
            progress.update(task, advance=1, last=f"{outcome.ref} ({failed} not ok)")

        return connection.test_all(
            ctx, here=here, concurrency=concurrency, timeout_s=timeout, on_outcome=seen
        )


def _capabilities(text: str | None) -> list[str] | None:
    if text is None:
        return None
    caps = [c.strip() for c in text.split(",") if c.strip()]
    if not caps:
        raise InvalidInput("--for needs at least one capability (see 'awsconn permissions list')")
    return caps


def _check_capabilities(ctx: Any, outcomes: list[Any], capabilities: list[str] | None) -> None:
    """Run the permission check for connectors that passed (their own or --for capabilities)."""
    from awsconn.service.connector_permissions import check_for_test

    for outcome in outcomes:
        if outcome.result is not None and outcome.result.status == "SUCCESS":
            outcome.permissions = check_for_test(ctx, outcome.ref, capabilities)


def _print_tally(outcomes: list[Any]) -> None:
    from collections import Counter

    counts = Counter(o.to_dict()["status"] for o in outcomes)
    parts = [f"{counts[s]} {s}" for s in ("SUCCESS", "FAILURE", "SKIPPED") if counts[s]]
    not_ok = sum(1 for o in outcomes if not o.ok)
    typer.echo(
        f"{len(outcomes)} connector{'s' * (len(outcomes) != 1)} tested: "
        + (", ".join(parts) or "none")
        + (f"; {not_ok} not ok" if not_ok else "")
    )


def _print_outcomes(outcomes: list[Any]) -> None:
    from rich.markup import escape

    out = console()
    for o in outcomes:
        d = o.to_dict()
        status = d["status"]
        style = {"SUCCESS": "green", "FAILURE": "red"}.get(status, "yellow")
        line = f"[{style}]{status}[/{style}] {d['connector']}"
        ident = d.get("identity") or {}
        if ident.get("arn"):
            line += f"  as {ident['arn']} ({ident.get('credentialMethod')}) in {d.get('region')}"
        if d.get("durationMs") is not None:
            line += f"  {d['durationMs']} ms"
        out.print(line)
        if d.get("ranHereDespiteSelectors"):
            out.print(
                "  used this machine's identity (--here); it lacks delegate tags "
                + ", ".join(d["ranHereDespiteSelectors"])
            )
        for err in d.get("errors", []):
            out.print(f"  [bold]{err['code']}[/bold]: {escape(err['message'])}", markup=True)
            if err.get("hint"):
                out.print(f"  hint: {err['hint']}", markup=False)
            ids = [f"{k}={err[k]}" for k in ("awsErrorCode", "requestId") if err.get(k)]
            if ids:
                out.print("  " + " ".join(ids), markup=False)
        if d.get("notRecorded"):
            out.print(f"  result not stored: {d['notRecorded']}", markup=False)
        perms = d.get("permissions")
        if perms:
            _print_permissions(out, perms)


def _print_permissions(console: Any, perms: dict[str, Any]) -> None:
    if "error" in perms:
        err = perms["error"]
        console.print(f"  permissions not checked: {err['code']}: {err['message']}", markup=False)
        if err.get("hint"):
            console.print(f"  hint: {err['hint']}", markup=False)
        return
    for cap, state in perms.get("summary", {}).items():
        console.print(f"  permission {cap}: {state}", markup=False)
    if perms.get("missingPolicy"):
        console.print("  attach this policy to grant what is missing:", markup=False)
        console.print(json.dumps(perms["missingPolicy"], indent=2), markup=False)


@app.command("regions")
def regions(
    ref: str,
    here: bool = HERE,
    timeout: float = typer.Option(30.0, "--timeout", min=1.0, max=600.0, help="Seconds in all."),
    output: str = OUTPUT,
) -> None:
    """List the regions DescribeRegions returns for this connector."""
    from awsconn.service import connection

    output = check_output(output)
    rows = connection.list_regions(build_context(), ref_of(ref), here=here, timeout_s=timeout)
    if output == "json":
        print_json(rows)
        return
    for name in rows:
        typer.echo(name)


@app.command("history")
def history(
    ref: str, limit: int = typer.Option(20, "--limit", min=1, max=1000), output: str = OUTPUT
) -> None:
    """The connector's connectivity history, newest first."""
    from awsconn.service import connectors

    output = check_output(output)
    rows = connectors.history(build_context(), ref_of(ref), limit=limit)
    if output == "json":
        print_json(rows)
        return
    for r in rows:
        codes = ",".join(e["code"] for e in r.get("errors", [])) or "-"
        typer.echo(f"{r['testedAt']}\t{r['status']}\t{r['durationMs']} ms\t{codes}")
