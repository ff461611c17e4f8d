"""How ``connector test`` shows its outcomes: one line (and hints) per connector, or JSON.

``test --all`` writes each outcome as soon as it is settled, so a run that is stopped
midway has already shown (and stored) what it finished: with ``-o json`` one JSON object
per line (JSON Lines, what ``jq`` reads as a stream; ``jq -s`` makes it an array), in
a table one line per connector and a tally at the end. On a terminal with a progress
bar the lines come at the end instead, in the order of the connectors.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from awsconn.cli.output import console

if TYPE_CHECKING:
    from awsconn.cli.backend import Backend

__all__ = ["print_outcome", "print_tally", "run_all"]


def run_all(
    where: Backend,
    *,
    capabilities: list[str] | None,
    here: bool,
    concurrency: int,
    timeout: float,
    output: str,
) -> list[Any]:
    """``test --all``: each outcome is shown as the backend settles it."""
    out = console()
    progress_bar = output == "table" and sys.stderr.isatty()
    stream = not (progress_bar and sys.stdout.isatty())

    def show(outcome: Any) -> None:
        if not stream:
            return
        if output == "json":
            sys.stdout.write(json.dumps(outcome.wire(), sort_keys=True) + "\n")
        else:
            print_outcome(out, outcome)
        sys.stdout.flush()

    def run(on_start: Any, on_outcome: Any) -> list[Any]:
        return where.test_all(
            capabilities=capabilities,
            here=here,
            concurrency=concurrency,
            timeout=timeout,
            on_start=on_start,
            on_outcome=on_outcome,
        )

    if not progress_bar:
        outcomes = run(None, show)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        columns = (
            TextColumn("testing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("test", total=None, last="")
            failed = 0

            def start(total: int) -> None:
                progress.update(task, total=total)

            def seen(outcome: Any) -> None:
                nonlocal failed
                show(outcome)
                failed += 0 if outcome.ok else 1
                progress.update(task, advance=1, last=f"{outcome.connector} ({failed} not ok)")

            outcomes = run(start, seen)
    if not stream:
        for outcome in outcomes:
            print_outcome(out, outcome)
    if output == "table":
        print_tally(outcomes)
    return outcomes


def print_tally(outcomes: Sequence[Any]) -> None:
    counts = Counter(o.status for o in outcomes)
    parts = [
        f"{counts[s]} {s}" for s in ("SUCCESS", "FAILURE", "SKIPPED", "NOT_TESTED") if counts[s]
    ]
    not_ok = sum(1 for o in outcomes if not o.ok)
    typer.echo(
        f"{len(outcomes)} connector{'s' * (len(outcomes) != 1)} tested: "
        + (", ".join(parts) or "none")
        + (f"; {not_ok} not ok" if not_ok else "")
    )


def print_outcome(out: Any, outcome: Any) -> None:
    """One connector's status line, then each error with its hint and AWS ids."""
    from rich.markup import escape

    from awsconn.cli.advice import HERE_ADVICE

    d = outcome.wire()
    status = d["status"]
    style = {"SUCCESS": "green", "FAILURE": "red"}.get(status, "yellow")
    line = f"[{style}]{status}[/{style}] {escape(d['connector'])}"
    ident = d.get("identity") or {}
    if ident.get("arn"):
        line += f"  as {ident['arn']} ({ident.get('credentialMethod')}) in {d.get('region')}"
    if ident.get("roleChain"):
        hops = " -> ".join(f"{n}. {arn}" for n, arn in enumerate(ident["roleChain"], start=1))
        line += f"\n  role chain: {escape(hops)}"
    if d.get("durationMs") is not None:
        line += f"  {d['durationMs']} ms"
    out.print(line)
    if d.get("taskId"):  # a server handed it to a delegate
        who = (
            f"on delegate {d.get('delegateName') or '?'} ({d['delegateId']})"
            if d.get("delegateId")
            else "on no delegate"
        )
        out.print(f"  ran {who} as task {d['taskId']}", markup=False)
    if d.get("reason") == "ignoreTestConnection":
        out.print(f"  not tested: {d['message']}", markup=False)
    if d.get("ranHereDespiteSelectors"):  # the service ran it with the override (--here)
        out.print(
            "  used this machine's identity (--here); it lacks delegate tags "
            + ", ".join(d["ranHereDespiteSelectors"]),
            markup=False,
        )
    for err in d.get("errors", []):
        out.print(f"  [bold]{err['code']}[/bold]: {escape(err['message'])}")
        hint = HERE_ADVICE if d["status"] == "SKIPPED" else err.get("hint")
        if hint:
            out.print(f"  hint: {hint}", markup=False)
        ids = [f"{k}={err[k]}" for k in ("awsErrorCode", "requestId") if err.get(k)]
        if ids:
            out.print("  " + " ".join(ids), markup=False)
    if d.get("notRecorded"):
        out.print(f"  result not stored: {d['notRecorded']}", markup=False)
    perms = d.get("permissions")
    if perms:
        _print_permissions(out, perms)


def _print_permissions(out: Any, perms: dict[str, Any]) -> None:
    from awsconn.cli.permission_text import summary_lines

    if "error" in perms:
        err = perms["error"]
        out.print(f"  permissions not checked: {err['code']}: {err['message']}", markup=False)
        if err.get("hint"):
            out.print(f"  hint: {err['hint']}", markup=False)
        return
    for line in summary_lines(perms):
        out.print(line, markup=False)
