"""``awsconn policy ...``: the offline IAM policy engine (evaluate, simulate, lint, expand).

Only reads files and maps results to output and exit codes; the rules (what a valid
request, policy or case is, how a decision is made) live in :mod:`awsconn.iam`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from awsconn.cli.common import OUTPUT, check_output, read_input
from awsconn.cli.output import print_json
from awsconn.errors import InvalidInput, ValidationFailed
from awsconn.service.policy_engine import DEFAULT_PRINCIPAL

app = typer.Typer(no_args_is_help=True, help="The offline IAM policy engine.")


def _read(path: str) -> str:
    return read_input(path)[0]


def _echo(text: str) -> None:
    """Human output; text from a policy (a Sid, a key) may hold what stdout cannot encode."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    typer.echo(text.encode(encoding, "backslashreplace").decode(encoding))


def _policy(path: str) -> tuple[str, Any]:
    """A policy file as (its path, document): the path names it in explanations and in
    the error when the document is not a policy the engine can decide on."""
    from awsconn.iam.policy_json import load_json

    return path, load_json(_read(path), what=f"policy {path}")


_FLAGS = {
    "principal": "--principal",
    "action": "--action",
    "resource": "--resource",
    "resource_account": "--resource-account",
    "context": "--context",
    "unknown_keys": "--unknown-key",
}


def _request(**fields: Any) -> Any:
    """The request, checked by the engine; problems are reported under the option names."""
    from awsconn.errors import Problem
    from awsconn.iam import Request

    try:
        return Request.checked(**fields)
    except ValidationFailed as exc:
        problems = []
        for p in exc.problems:
            name, _, rest = p.path.partition(".")
            flag = _FLAGS.get(name.split("[")[0], name)
            problems.append(
                Problem(f"{flag} {rest}" if rest else flag, p.message, p.given, p.allowed)
            )
        raise ValidationFailed(problems, what="request") from None


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
    unknown_key: list[str] = typer.Option(
        [],
        "--unknown-key",
        metavar="KEY",
        help="A condition key whose value only the real request knows (repeatable): "
        "the answer may be 'Depends'.",
    ),
    output: str = OUTPUT,
) -> None:
    """Decide one request offline and explain the decision; exit 1 unless Allowed."""
    from awsconn.service.policy_engine import evaluate as decide

    check_output(output)
    request = _request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=_context(context),
        unknown_keys=unknown_key,
    )
    decision = decide(
        request,
        identity=[_policy(p) for p in policy],
        boundaries=[_policy(p) for p in boundary],
        scps=[_policy(p) for p in scp],
        resource_policy=_policy(resource_policy) if resource_policy else None,
        session_policy=_policy(session_policy) if session_policy else None,
    )
    if output == "json":
        print_json(decision.to_dict())
    else:
        _echo(decision.explain())
    raise typer.Exit(0 if decision.allowed else 1)


@app.command("simulate")
def simulate(
    source: str = typer.Argument(
        ...,
        metavar="FILE",
        help="A cases file: a JSON array or JSON lines ('-' for standard input).",
    ),
) -> None:
    """Run simulation cases: one JSON line per case on stdout, a summary on stderr."""
    from awsconn.service.policy_engine import simulate as run_cases

    def write(line: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")

    tally = run_cases(_read(source), write)
    counts = {"cases": tally.cases, "passed": tally.passed, "failed": tally.failed}
    summary = ", ".join(f"{v} {k}" for k, v in {**counts, "errors": tally.errors}.items())
    sys.stderr.write(f"simulate: {summary}\n")
    raise typer.Exit(0 if tally.ok else 1)


@app.command("lint")
def lint(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Policy JSON files."),
    kind: str = typer.Option(
        "identity",
        "--kind",
        metavar="KIND",
        help="What the policies are: identity (also boundaries, session policies), "
        "resource, trust, scp, rcp or endpoint.",
    ),
    output: str = OUTPUT,
) -> None:
    """Check policies (grammar, what their kind needs, the IAM catalog); exit 1 on errors."""
    from awsconn.iam import parse_kind
    from awsconn.service.policy_engine import lint as lint_policies

    check_output(output)
    report = lint_policies([(path, _read(path)) for path in files], parse_kind(kind, "--kind"))
    if output == "json":
        print_json({path: [f.to_dict() for f in found] for path, found in report.findings.items()})
    elif any(report.findings.values()):
        for path, found in report.findings.items():
            for f in found:
                _echo(f"{path}: {f}")
    else:
        typer.echo("no problems found")
    raise typer.Exit(0 if report.ok else 1)


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
