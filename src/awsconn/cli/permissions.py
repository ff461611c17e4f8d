"""``awsconn permissions ...``: list the uses, generate policies, check and diff a connector."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from awsconn.cli.backend import backend
from awsconn.cli.common import CONNECTOR_REF, HERE, OUTPUT, check_output, ref_of
from awsconn.cli.output import console, print_json
from awsconn.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="What each use needs; check a connector has it.")

FOR = typer.Option(
    ...,
    "--for",
    metavar="CAPS",
    help="Capabilities, comma-separated (see 'permissions list').",
)
BUCKET = typer.Option(None, "--bucket", metavar="BUCKET", help="S3 bucket name (default: any).")
REPOSITORY = typer.Option(
    None, "--repository", metavar="REPOSITORY", help="ECR repository name (default: any)."
)
REGION = typer.Option(
    None, "--region", metavar="REGION", help="Region for regional ARNs (default: any)."
)
ACCOUNT = typer.Option(
    None, "--account", metavar="ACCOUNT", help="The 12-digit account id for ARNs (default: any)."
)
ROLE = typer.Option(
    None,
    "--role",
    metavar="ROLE",
    help="Role name (path/name) for sts-assume-role (default: the connector's cross-account role).",
)
SCP = typer.Option(
    [], "--scp", metavar="FILE", help="An SCP JSON file that joins the evaluation (repeatable)."
)
RESOURCE_POLICY = typer.Option(
    None, "--resource-policy", metavar="FILE", help="A resource policy JSON file."
)
NO_SIMULATOR = typer.Option(
    False, "--no-simulator", help="Skip iam:SimulatePrincipalPolicy; read the policies."
)


def _names(text: str) -> list[str]:
    from awsconn.iam.capabilities import split_names

    return split_names([text])


def _load(path: str, field: str) -> tuple[str, Any]:
    """A policy JSON file as (its name, document); a file that cannot be read or is not
    JSON is bad input naming the flag (the service checks what the document holds)."""
    from awsconn.iam.policy_json import load_json

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{field}: file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{field}: {path} is not a JSON policy document ({exc})") from None
    return p.name, load_json(text, what=f"{field}: {path}")  # bounded depth


@app.command("list")
def list_(
    show_seed: bool = typer.Option(
        False, "--show-seed", help="Also show the seed's policies, as the seed writes them."
    ),
    output: str = OUTPUT,
) -> None:
    """List every use the seed describes, what it requires, and where in the seed it is."""
    from awsconn.iam.capabilities import load_catalog, seed_text

    output = check_output(output)
    caps = list(load_catalog().capabilities.values())
    if output == "json":
        print_json([c.to_dict(seed=show_seed) for c in caps])
        return
    out = console()
    mark = _highlight if out.is_terminal else _plain

    def say(text: str, markup: bool = True) -> None:
        out.print(text, markup=markup, soft_wrap=True)  # policies stay copyable

    for cap in caps:
        params = f" [{', '.join(cap.parameters)}]" if cap.parameters else ""
        always = " (always included)" if cap.always else ""
        say(f"{cap.name}{params}{always}\n  {cap.summary}\n  seed: {cap.seed_source}", False)
        for req in cap.requires:
            resource = mark(seed_text(req.resource, _mark_placeholder))
            say(f"  requires {', '.join(req.actions)} on {resource}")
        if show_seed and cap.seed_policy is not None:
            seed = cap.seed_policy.as_seed_writes(_mark_placeholder)
            arn = f" ({mark(seed['arn'])})" if "arn" in seed else ""
            say(f"  seed policy {seed['name']}{arn}:")
            for line in json.dumps(seed["document"], indent=2, ensure_ascii=False).splitlines():
                say(f"    {mark(line)}")
            if seed["placeholders"]:
                say("  placeholders:", False)
                for p in seed["placeholders"]:
                    where = " (after arn:)" if p["parameter"] == "partition" else ""
                    say(f"    {p['text']}{where} -> {_SET_BY[p['parameter']]}", False)


# A placeholder word is wrapped in these while rendering, then shown in reverse video on a
# terminal (or left plain in a pipe, where the "placeholders:" list names them).
_OPEN, _CLOSE = "\ue000", "\ue001"
_SET_BY = {
    "partition": "the partition of the region (aws-us-gov for GovCloud, aws-cn for China)",
    "bucket": "--bucket",
    "repository": "--repository",
    "region": "--region",
    "account": "--account",
    "role": "--role",
}


def _mark_placeholder(text: str, parameter: str) -> str:
    return f"{_OPEN}{text}{_CLOSE}"


def _highlight(text: str) -> str:
    from rich.markup import escape

    return escape(text).replace(_OPEN, "[reverse]").replace(_CLOSE, "[/reverse]")


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text.replace(_OPEN, "").replace(_CLOSE, ""))


@app.command("policy")
def policy(
    for_: str = FOR,
    bucket: str | None = BUCKET,
    repository: str | None = REPOSITORY,
    region: str | None = REGION,
    account: str | None = ACCOUNT,
    role: str | None = ROLE,
) -> None:
    """Print the least-privilege identity policy for the capabilities (JSON)."""
    from awsconn.service.policy_generation import policy_for

    parameters = {
        "bucket": bucket,
        "repository": repository,
        "region": region,
        "account": account,
        "role": role,
    }
    generated = policy_for(_names(for_), parameters)
    print_json(generated.policy)
    wide = generated.unscoped
    if wide:
        options = ", ".join(f"--{p}" for p in wide)
        sys.stderr.write(
            f"note: {options} not given: the policy covers every "
            f"{', '.join(wide)} (give {'it' if len(wide) == 1 else 'them'} to scope it)\n"
        )


@app.command("trust-policy")
def trust_policy(
    trusted_principal: str | None = typer.Option(
        None,
        "--trusted-principal",
        metavar="ARN",
        help="The ARN (or account id) allowed to assume the role.",
    ),
    external_id: str | None = typer.Option(
        None,
        "--external-id",
        metavar="ID",
        help="The External ID, or 'generate' for a strong random one.",
    ),
    oidc_provider: str | None = typer.Option(
        None, "--oidc-provider", metavar="ARN", help="IRSA: the cluster's IAM OIDC provider ARN."
    ),
    service_account: str | None = typer.Option(
        None,
        "--service-account",
        metavar="NAMESPACE:NAME",
        help="IRSA: the delegate's service account.",
    ),
    oidc: bool = typer.Option(
        False,
        "--oidc",
        help="OidcAuthentication: the IAM OIDC provider for awsconn's issuer and the trust "
        "policy of a role assumed with its tokens.",
    ),
    issuer_url: str | None = typer.Option(
        None,
        "--issuer-url",
        metavar="URL",
        envvar="AWSCONN_OIDC_ISSUER_URL",
        help="OIDC: awsconn's issuer URL (the server's --issuer-url).",
    ),
    scope: str | None = typer.Option(
        None,
        "--scope",
        metavar="SCOPE",
        help="OIDC: the connectors the role admits: '*' (the account), ORG, ORG/PROJECT or "
        "ORG/PROJECT/CONNECTOR.",
    ),
    connector: str | None = typer.Option(
        None,
        "--connector",
        metavar="ID",
        help="OIDC: one connector of --scope (for connectors at account or org scope).",
    ),
    audience: str | None = typer.Option(
        None, "--audience", metavar="AUD", help="OIDC: the audience (default sts.amazonaws.com)."
    ),
    aws_account: str | None = typer.Option(
        None,
        "--aws-account",
        metavar="ID",
        help="OIDC: the AWS account of the role and its IAM OIDC provider.",
    ),
    partition: str = typer.Option(
        "aws", "--partition", metavar="NAME", help="OIDC: the AWS partition (default aws)."
    ),
) -> None:
    """Print the trust policy (JSON only) for the cross-account role, for IRSA, or (--oidc)
    the IAM OIDC provider and trust policy for OidcAuthentication connectors."""
    from awsconn.service.policy_generation import trust_policy as make_trust_policy

    if oidc:
        _print_oidc_trust(issuer_url, scope, connector, audience, aws_account, partition)
        return
    oidc_only = {"--scope": scope, "--connector": connector, "--audience": audience}
    if given := [flag for flag, value in oidc_only.items() if value is not None]:
        raise InvalidInput(f"{', '.join(given)} go with --oidc")
    print_json(
        make_trust_policy(
            trusted_principal=trusted_principal,
            external_id=external_id,
            oidc_provider=oidc_provider,
            service_account=service_account,
        )
    )


def _print_oidc_trust(
    issuer_url: str | None,
    scope: str | None,
    connector: str | None,
    audience: str | None,
    aws_account: str | None,
    partition: str,
) -> None:
    from awsconn.cli.common import build_context
    from awsconn.service.policy_generation import oidc_trust_policy

    ctx = build_context()
    try:
        account = ctx.account
    finally:
        ctx.close()
    print_json(
        oidc_trust_policy(
            account=account,
            issuer_url=issuer_url,
            scope=scope,
            connector=connector,
            audience=audience,
            aws_account=aws_account,
            partition=partition,
        )
    )


def _print_report(report: Any) -> None:
    from awsconn.cli.permission_text import report_lines

    for line in report_lines(report.wire()):
        typer.echo(line)


@app.command("check")
def check(
    ref: str = CONNECTOR_REF,
    for_: str | None = typer.Option(
        None,
        "--for",
        metavar="CAPS",
        help="Capabilities, comma-separated (default: the connector's own 'capabilities').",
    ),
    bucket: str | None = BUCKET,
    repository: str | None = REPOSITORY,
    region: str | None = REGION,
    account: str | None = ACCOUNT,
    role: str | None = ROLE,
    policy_file: list[str] = typer.Option(
        [],
        "--policy-file",
        metavar="FILE",
        help="What-if: evaluate only these policy files (repeatable), as the connector's "
        "principal.",
    ),
    scp: list[str] = SCP,
    resource_policy: str | None = RESOURCE_POLICY,
    no_simulator: bool = NO_SIMULATOR,
    here: bool = HERE,
    output: str = OUTPUT,
) -> None:
    """Check the connector's identity has what the capabilities need: GRANTED, NOT_GRANTED or
    DEPENDS on what the real request carries (exit 1 unless everything is GRANTED)."""
    output = check_output(output)
    report = backend().check_connector(
        ref_of(ref),
        _names(for_) if for_ else None,
        parameters={
            "bucket": bucket,
            "repository": repository,
            "region": region,
            "account": account,
            "role": role,
        },
        here=here,
        policy_files=[_load(p, "--policy-file") for p in policy_file],
        scps=[_load(p, "--scp") for p in scp],
        resource_policy=_load(resource_policy, "--resource-policy") if resource_policy else None,
        use_simulator=not no_simulator,
    )
    if output == "json":
        print_json(report.wire())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command("diff")
def diff(
    ref: str = CONNECTOR_REF,
    for_: str = FOR,
    what_if: list[str] = typer.Option(
        ..., "--what-if", metavar="FILE", help="A new policy JSON file (repeatable)."
    ),
    bucket: str | None = BUCKET,
    repository: str | None = REPOSITORY,
    region: str | None = REGION,
    account: str | None = ACCOUNT,
    role: str | None = ROLE,
    scp: list[str] = SCP,
    no_simulator: bool = NO_SIMULATOR,
    here: bool = HERE,
    output: str = OUTPUT,
) -> None:
    """Before switching policies: which uses the new policy set gains or loses (exit 1 on loss)."""
    output = check_output(output)
    report = backend().diff_connector(
        ref_of(ref),
        _names(for_),
        new_policies=[_load(p, "--what-if") for p in what_if],
        parameters={
            "bucket": bucket,
            "repository": repository,
            "region": region,
            "account": account,
            "role": role,
        },
        here=here,
        scps=[_load(p, "--scp") for p in scp],
        use_simulator=not no_simulator,
    )
    if output == "json":
        print_json(report.wire())
    else:
        for c in report.changes:
            typer.echo(f"{c.capability}: {c.before} -> {c.after} ({c.change})")
            for a in c.lost:
                typer.echo(f"  loses {a.action} on {a.resource}")
            for d in c.depends:
                keys = ", ".join(d.depends_on)
                typer.echo(f"  would depend on {keys}: {d.action} on {d.resource}")
            for a in c.gained:
                typer.echo(f"  gains {a.action} on {a.resource}")
    if not report.ok:
        raise typer.Exit(1)
