"""``awsconn connector ...``: init, create, apply, import, export, get, list, delete, test."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from awsconn.cli.backend import backend
from awsconn.cli.common import (
    CONNECTOR_REF,
    HERE,
    ORG,
    OUTPUT,
    PROJECT,
    YES,
    check_output,
    confirm_delete,
    read_input,
    ref_of,
    timeout_option,
)
from awsconn.cli.output import console, print_json
from awsconn.errors import InvalidInput
from awsconn.timeouts import REGIONS_TIMEOUT, TEST_TIMEOUT

app = typer.Typer(no_args_is_help=True, help="Create, test, import and export AWS connectors.")

FILE = typer.Option(
    ..., "--file", "-f", metavar="FILE", help="A Harness YAML file ('-' for standard input)."
)
DRY_RUN = typer.Option(
    False, "--dry-run", help="Check everything and show what would change; store nothing."
)
CREDENTIAL_TYPES = "ManualConfig, InheritFromDelegate, Irsa or OidcAuthentication"


@app.command("init")
def init(
    credential_type: str = typer.Option(
        ..., "--type", metavar="TYPE", help=f"The credential type: {CREDENTIAL_TYPES}."
    ),
    cross_account: bool = typer.Option(
        False, "--cross-account", help="Add cross-account access (an STS role to assume)."
    ),
    region: str | None = typer.Option(
        None, "--region", metavar="REGION", help="The test region (default us-east-1)."
    ),
    name: str | None = typer.Option(None, "--name", metavar="NAME", help="The connector's name."),
    identifier: str | None = typer.Option(
        None, "--id", metavar="ID", help="The connector's identifier."
    ),
) -> None:
    """Print a commented connector YAML skeleton to fill in (the create wizard, as a file)."""
    from awsconn.service.connector_template import connector_skeleton

    text = connector_skeleton(
        credential_type,
        cross_account=cross_account,
        region=region,
        name=name,
        identifier=identifier,
    )
    sys.stdout.write(text)
    steps = [
        "fill in every <placeholder>, then check it: awsconn connector create --dry-run -f FILE"
    ]
    if credential_type == "ManualConfig":
        steps.append(
            "store the secret key first: printf '%s' \"$SECRET_ACCESS_KEY\" | "
            "awsconn secret create SECRET_ID"
        )
    if credential_type == "Irsa":
        steps.append(
            "the role's trust policy: awsconn permissions trust-policy "
            "--oidc-provider ARN --service-account NAMESPACE:NAME"
        )
    if credential_type == "OidcAuthentication":
        steps.append(
            "the IAM OIDC provider and the role's trust policy: awsconn permissions "
            "trust-policy --oidc --issuer-url URL --scope ORG/PROJECT/ID --aws-account ID"
        )
    if cross_account:
        steps.append(
            "the role's trust policy: awsconn permissions trust-policy "
            "--trusted-principal ARN --external-id generate"
        )
    for step in steps:
        typer.echo(f"next: {step}", err=True)


def _write(path: str, mode: str, dry_run: bool, output: str) -> None:
    output = check_output(output)
    text, source = read_input(path)
    results = backend().apply_yaml(text, mode=mode, source=source, dry_run=dry_run)
    if output == "json":
        print_json([r.wire() for r in results])
        return
    for r in results:
        if not dry_run:
            typer.echo(f"connector {r.ref} {r.action} (version {r.version})")
        elif r.action == "unchanged":
            typer.echo(f"connector {r.ref} unchanged")
        elif r.action == "created":
            typer.echo(f"connector {r.ref} would be created")
        else:
            typer.echo(f"connector {r.ref} would be updated:")
            for change in r.changes or ():
                typer.echo(f"  {_change_line(change)}")
    if dry_run:
        typer.echo("dry run: nothing stored")


def _change_line(change: Any) -> str:
    """``path: old -> new``; values as JSON, a field added or removed as (not set)."""

    def show(value: Any) -> str:
        return "(not set)" if value is None else json.dumps(value, ensure_ascii=False)

    line = f"{change.path}: {show(change.old)} -> {show(change.new)}"
    return line + ("  (secret reference, not a value)" if change.secret_reference else "")


@app.command("create")
def create(file: str = FILE, dry_run: bool = DRY_RUN, output: str = OUTPUT) -> None:
    """Create one connector from Harness YAML; refused if it exists."""
    _write(file, "create", dry_run, output)


@app.command("apply")
def apply(file: str = FILE, dry_run: bool = DRY_RUN, output: str = OUTPUT) -> None:
    """Create or update connectors from Harness YAML."""
    _write(file, "apply", dry_run, output)


@app.command("import")
def import_(file: str = FILE, dry_run: bool = DRY_RUN, output: str = OUTPUT) -> None:
    """Import multi-document YAML: create what is missing, update what differs; all or nothing."""
    _write(file, "import", dry_run, output)


@app.command("export")
def export(
    org: str | None = ORG,
    project: str | None = PROJECT,
    harness_only: bool = typer.Option(
        False,
        "--harness-only",
        help="Plain Harness YAML: awsconn's extensions left out (capabilities); a "
        "connector with a role chain is refused.",
    ),
) -> None:
    """Print every connector (or one scope's) as multi-document YAML, deterministically."""
    sys.stdout.write(backend().export_yaml(org=org, project=project, harness_only=harness_only))


@app.command("get")
def get(
    ref: str = CONNECTOR_REF,
    output: str = typer.Option(
        "yaml", "--output", "-o", metavar="FORMAT", help="Output format: yaml or json."
    ),
) -> None:
    """Show one connector (YAML by default) and its last connectivity status."""
    from awsconn.model import dump_connectors_yaml, parse_connector_document

    output = check_output(output, ("yaml", "json"))
    detail = backend().get_connector(ref_of(ref))
    if output == "json":
        print_json(detail.wire())
        return
    document = {"connector": detail.connector}
    sys.stdout.write(dump_connectors_yaml([parse_connector_document(document)]))
    s = detail.status.wire()
    typer.echo(
        f"# version {s['version']}; last status {s['lastStatus'] or 'never tested'}"
        + (f" at {s['lastTestedAt']}" if s["lastTestedAt"] else "")
        + (
            "; ignoreTestConnection: 'test --all' does not test it"
            if s["ignoreTestConnection"]
            else ""
        )
    )


@app.command("list")
def list_(
    org: str | None = typer.Option(
        None, "--org", metavar="ORG", help="Only this org's own connectors (add --project)."
    ),
    project: str | None = typer.Option(
        None, "--project", metavar="PROJECT", help="Only this project's connectors (needs --org)."
    ),
    tag: list[str] = typer.Option(
        [],
        "--tag",
        metavar="KEY[=VALUE]",
        help="Only connectors with this tag; repeat to require several.",
    ),
    credential_type: str | None = typer.Option(
        None, "--type", metavar="TYPE", help=f"Only this credential type: {CREDENTIAL_TYPES}."
    ),
    output: str = OUTPUT,
) -> None:
    """List connectors with scope, type, test region and last connectivity status."""
    output = check_output(output)
    views = backend().list_connectors(
        org=org, project=project, tags=tag, credential_type=credential_type
    )
    rows = [v.wire() for v in views]
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
            (r["lastStatus"] or "-")
            + (" (ignoreTestConnection)" if r["ignoreTestConnection"] else ""),
            r["lastTestedAt"] or "-",
        )
    console().print(table)


@app.command("delete")
def delete(ref: str = CONNECTOR_REF, yes: bool = YES) -> None:
    """Delete a connector (asks first on a terminal; without one, needs --yes)."""
    target = ref_of(ref)
    where = backend()
    confirm_delete(f"connector {target}", yes=yes)
    where.delete_connector(target)
    typer.echo(f"connector {target} deleted")


@app.command("test")
def run_tests(
    ref: str | None = typer.Argument(
        None,
        metavar="REF",
        help="The connector: ID (account scope), ORG/ID or ORG/PROJECT/ID; or give --all.",
    ),
    all_: bool = typer.Option(
        False, "--all", help="Test every connector; each result is shown as it ends."
    ),
    concurrency: int = typer.Option(
        16, "--concurrency", min=1, max=256, metavar="N", help="Tests at once with --all."
    ),
    timeout: float = timeout_option(TEST_TIMEOUT, "Seconds per connector"),
    here: bool = HERE,
    for_: str | None = typer.Option(
        None,
        "--for",
        metavar="CAPS",
        help="Also check these capabilities, comma-separated (see 'permissions list').",
    ),
    output: str = OUTPUT,
) -> None:
    """Test credentials: GetCallerIdentity, then DescribeRegions in the test region.

    With --all and -o json, one JSON object per connector and per line (JSON Lines).
    """
    from awsconn.cli.connection_output import print_outcome, run_all

    output = check_output(output)
    if (ref is None) == (not all_):
        raise InvalidInput("give a connector REF or --all (not both)")
    capabilities = _split_names(for_) if for_ is not None else None
    where = backend()
    if all_:
        outcomes = run_all(
            where,
            capabilities=capabilities,
            here=here,
            concurrency=concurrency,
            timeout=timeout,
            output=output,
        )
    else:
        outcome = where.test_connector(
            ref_of(ref or ""), capabilities=capabilities, here=here, timeout=timeout
        )
        outcomes = [outcome]
        if output == "json":
            print_json(outcome.wire())
        else:
            print_outcome(console(), outcome)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)


def _split_names(text: str) -> list[str]:
    """``--for a,b`` -> ``[a, b]`` (the service checks the names)."""
    from awsconn.iam.capabilities import split_names

    return split_names([text])


@app.command("regions")
def regions(
    ref: str = CONNECTOR_REF,
    here: bool = HERE,
    timeout: float = timeout_option(REGIONS_TIMEOUT, "Seconds in all"),
    output: str = OUTPUT,
) -> None:
    """List the regions DescribeRegions returns for this connector."""
    output = check_output(output)
    found = backend().regions(ref_of(ref), here=here, timeout=timeout)
    if output == "json":
        print_json(found.regions)  # a plain list, as scripts read it
        return
    for name in found.regions:
        typer.echo(name)


@app.command("history")
def history(
    ref: str = CONNECTOR_REF,
    limit: int = typer.Option(
        20, "--limit", min=1, max=1000, metavar="N", help="Show at most N results."
    ),
    output: str = OUTPUT,
) -> None:
    """Show the connector's stored connectivity results, newest first."""
    output = check_output(output)
    rows = [e.wire() for e in backend().history(ref_of(ref), limit=limit)]
    if output == "json":
        print_json(rows)
        return
    for r in rows:
        codes = ",".join(e["code"] for e in r.get("errors", [])) or "-"
        typer.echo(f"{r['testedAt']}\t{r['status']}\t{r['durationMs']} ms\t{codes}")


@app.command("schedule")
def schedule(
    ref: str = CONNECTOR_REF,
    every: int | None = typer.Option(
        None,
        "--every",
        metavar="MINUTES",
        help="Test it every MINUTES (1-1440) instead of the default; needs connector:edit.",
    ),
    default: bool = typer.Option(
        False, "--default", help="Back to the default interval (every 10 minutes)."
    ),
    output: str = OUTPUT,
) -> None:
    """Show or set how often a server's monitor tests the connector, and when next (the
    interval is awsconn's own setting, kept beside the Harness document)."""
    output = check_output(output)
    if every is not None and default:
        raise InvalidInput("--every and --default contradict each other: give one")
    where = backend()
    if every is not None or default:
        found = where.set_test_interval(ref_of(ref), None if default else every)
    else:
        found = where.schedule(ref_of(ref))
    if output == "json":
        print_json(found.wire())
        return
    s = found.wire()
    whose = "its own" if s["ownInterval"] else "the default"
    typer.echo(
        f"{s['connector']}: tested every {s['intervalMinutes']} min ({whose}); next test "
        + (s["nextTestAt"] or "when a server's monitor first looks")
    )
