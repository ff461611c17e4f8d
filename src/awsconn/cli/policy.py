"""``awsconn policy ...``: the offline IAM policy engine (evaluate, simulate, lint, expand).

Only reads files and maps results to output and exit codes; the rules live in
:mod:`awsconn.iam`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from awsconn.cli.common import OUTPUT, check_output, read_input
from awsconn.cli.output import print_json
from awsconn.errors import InvalidInput, ValidationFailed

app = typer.Typer(no_args_is_help=True, help="The offline IAM policy engine.")

DEFAULT_PRINCIPAL = "arn:aws:iam::123456789012:user/awsconn"


def _read(path: str) -> str:
    return read_input(path)[0]


def _policy(path: str) -> tuple[str, Any]:
    """A policy file as (name, compiled policy); the name is the path, for explanations
    and for the error when the document is not a valid policy."""
    from awsconn.iam.compile import compile_policy

    text = _read(path)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc}") from None
    try:
        return path, compile_policy(document, path)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.problems, what=f"policy {path}") from None


_ARN_PARTS = 6


def _check_request(action: str, resource: str, principal: str) -> None:
    """A request the engine can decide, or bad input naming the option (exit 2)."""
    service, sep, name = action.partition(":")
    if not sep or not service or not name or any(c.isspace() for c in action):
        raise InvalidInput(f"--action: not service:Action (given {action!r}), e.g. s3:GetObject")
    if resource != "*" and not (
        resource.startswith("arn:") and len(resource.split(":", 5)) == _ARN_PARTS
    ):
        raise InvalidInput(
            f"--resource: not an ARN or * (given {resource!r}); "
            "allowed: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE or *"
        )
    if not (
        (principal.startswith("arn:") and len(principal.split(":", 5)) == _ARN_PARTS)
        or (principal.isdigit() and len(principal) == 12)
        or "." in principal
        or principal == "anonymous"
    ):
        raise InvalidInput(
            f"--principal: not a caller (given {principal!r}); allowed: an IAM/STS ARN, "
            "a 12-digit account, a service principal (lambda.amazonaws.com) or 'anonymous'"
        )


def _context(pairs: list[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--context takes key=value (given {pair!r})")
        prior = out.get(key)
        if prior is None:
            out[key] = value
        else:  # a repeated key is multi-valued
            out[key] = [*([prior] if isinstance(prior, str) else prior), value]
    return out


@app.command("evaluate")
def evaluate(
    policy: list[str] = typer.Option(
        [], "--policy", metavar="FILE", help="An identity policy file (repeatable)."
    ),
    boundary: list[str] = typer.Option(
        [], "--boundary", metavar="FILE", help="A permissions boundary file (repeatable)."
    ),
    scp: list[str] = typer.Option(
        [], "--scp", metavar="FILE", help="An SCP file; each one is its own org level."
    ),
    resource_policy: str | None = typer.Option(
        None, "--resource-policy", metavar="FILE", help="A resource policy file."
    ),
    session_policy: str | None = typer.Option(
        None, "--session-policy", metavar="FILE", help="A session policy file."
    ),
    action: str = typer.Option(
        ..., "--action", metavar="ACTION", help="The action, service:Action (s3:GetObject)."
    ),
    resource: str = typer.Option("*", "--resource", metavar="ARN", help="The resource ARN, or *."),
    principal: str = typer.Option(
        DEFAULT_PRINCIPAL, "--principal", metavar="ARN", help="The caller's ARN."
    ),
    resource_account: str | None = typer.Option(
        None,
        "--resource-account",
        metavar="ACCOUNT",
        help="The account that owns the resource (default: from its ARN).",
    ),
    context: list[str] = typer.Option(
        [],
        "--context",
        metavar="KEY=VALUE",
        help="A request context key (repeat a key for a list of values).",
    ),
    output: str = OUTPUT,
) -> None:
    """Decide one request offline and explain the decision; exit 1 unless Allowed."""
    from awsconn.iam import PolicySet, Request

    check_output(output)
    _check_request(action, resource, principal)
    ps = PolicySet(
        identity=[_policy(p) for p in policy],
        boundaries=[_policy(p) for p in boundary],
        scps=[[_policy(p)] for p in scp] if scp else None,
        resource_policy=_policy(resource_policy) if resource_policy else None,
        session_policy=_policy(session_policy) if session_policy else None,
    )
    decision = ps.evaluate(
        Request(
            principal=principal,
            action=action,
            resource=resource,
            resource_account=resource_account,
            context=_context(context),
        )
    )
    if output == "json":
        print_json(decision.to_dict())
    else:
        typer.echo(decision.explain())
    raise typer.Exit(0 if decision.allowed else 1)


def _cases(text: str) -> list[Any]:
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(stripped)
            return data if isinstance(data, list) else [data]
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise InvalidInput(f"cases must be a JSON array or JSON lines: {exc}") from None


@app.command("simulate")
def simulate(
    source: str = typer.Argument(
        ...,
        metavar="FILE",
        help="A cases file: a JSON array or JSON lines ('-' for standard input).",
    ),
) -> None:
    """Run simulation cases: one JSON line per case on stdout, a summary on stderr."""
    from awsconn.errors import AwsconnError
    from awsconn.iam.cases import case_expected, case_policy_set, case_request

    counts = {"cases": 0, "passed": 0, "failed": 0, "errors": 0}
    for index, case in enumerate(_cases(_read(source))):
        counts["cases"] += 1
        name = case.get("name", f"#{index}") if isinstance(case, dict) else f"#{index}"
        line: dict[str, Any] = {"name": name}
        try:
            if not isinstance(case, dict):
                raise InvalidInput("a case must be a JSON object")
            expected = case_expected(case)
            decision = case_policy_set(case).evaluate(case_request(case))
        except AwsconnError as exc:
            counts["errors"] += 1
            line["error"] = exc.to_dict()
            sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")
            continue
        line.update(decision.to_dict())
        if expected is not None:
            line["pass"] = decision.result == expected
            counts["passed" if line["pass"] else "failed"] += 1
        sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    sys.stderr.write(f"simulate: {summary}\n")
    raise typer.Exit(1 if counts["failed"] or counts["errors"] else 0)


@app.command("lint")
def lint(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Policy JSON files."),
    output: str = OUTPUT,
) -> None:
    """Check policies against the IAM catalog; exit 1 if any has errors."""
    from awsconn.iam import lint_policy

    check_output(output)
    report: dict[str, list[dict[str, Any]]] = {}
    errors = 0
    for path in files:
        findings = lint_policy(_read(path))
        errors += sum(1 for f in findings if f.severity == "error")
        report[path] = [f.to_dict() for f in findings]
        if output == "table":
            for f in findings:
                typer.echo(f"{path}: {f}")
    if output == "json":
        print_json(report)
    elif not any(report.values()):
        typer.echo("no problems found")
    raise typer.Exit(1 if errors else 0)


@app.command("expand")
def expand(
    pattern: str = typer.Argument(
        ..., metavar="PATTERN", help="An action pattern, e.g. 's3:Get*' (quote it)."
    ),
) -> None:
    """List the catalog actions an action pattern matches."""
    from awsconn.iam import expand_actions

    matches = expand_actions(pattern)
    for action in matches:
        typer.echo(action)
    if not matches:
        sys.stderr.write(f"no action matches {pattern!r}\n")
        raise typer.Exit(1)
