"""Reads the web UI's pages need that no other entry point asks for, over the same use
cases and permissions: the secrets a connector may name, the delegates that match a
connector's selectors now, the stages of a connection test, and what the role of an
OIDC connector must trust.

The connection test is one call (GetCallerIdentity, with the cross-account role assumed
first when there is one, then DescribeRegions); :func:`stages_of_test` says how far it got
from its result: which stage each failure code belongs to, the ones before it passed,
the ones after it did not run. A role chain's hops are a stage each; a failed hop is the
one its error names (``role chain hop N of M``, the AWS layer's wording).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from awsconn.errors import ValidationFailed
from awsconn.model import CredentialType, Scope
from awsconn.model.credentials import ROLE_ARN_PATTERN
from awsconn.model.oidc import DEFAULT_AUDIENCE, subject_of
from awsconn.model.results import ConnectionTestOutcome, DelegateInfo, Failure
from awsconn.service import secrets as secret_cases
from awsconn.service.access import Permission
from awsconn.service.context import AppContext
from awsconn.service.delegates import IDENTITY_CAPABILITIES, list_delegates, route
from awsconn.service.oidc_issuer import configured_issuer
from awsconn.service.policy_generation import oidc_trust_policy

__all__ = [
    "DelegateMatch",
    "OidcTrustView",
    "SecretChoice",
    "Stage",
    "matching_delegates",
    "oidc_trust_view",
    "planned_stages",
    "role_hops",
    "secret_choices",
    "stages_of_test",
]


@dataclass(frozen=True)
class SecretChoice:
    """A secret a connector in some scope can name: the reference to write, its label."""

    ref: str
    label: str


def secret_choices(ctx: AppContext, scope: Scope) -> list[SecretChoice]:
    """Secrets a connector in ``scope`` can reference (its own scope's as ``ID``, its org's
    as ``org.ID``, the account's as ``account.ID``), of the scopes the caller may view
    (metadata only, ``secret:view``)."""
    out: list[SecretChoice] = []
    for where in scope.chain():
        if not ctx.caller.can(Permission.SECRET_VIEW, where):
            continue
        for meta in secret_cases.list_secrets(ctx, org=where.org, project=where.project):
            if where == scope:
                ref = meta.identifier
            elif where.level == "org":
                ref = f"org.{meta.identifier}"
            else:
                ref = f"account.{meta.identifier}"
            out.append(SecretChoice(ref, f"{ref} ({where.label()})"))
    return out


@dataclass(frozen=True)
class DelegateMatch:
    """Connected delegates that can run a connector's test now, and the others with why."""

    matching: list[DelegateInfo]
    others: list[tuple[DelegateInfo, str]]


def matching_delegates(
    ctx: AppContext, selectors: Sequence[str], credential_type: str
) -> DelegateMatch:
    """Which registered delegates would take a connection test of a connector with these
    ``delegateSelectors`` and credential type now (``delegate:view``)."""
    requires = [f"tag:{s}" for s in selectors]
    requires.append("capability:connection-test")
    identity = IDENTITY_CAPABILITIES.get(credential_type)
    if identity is not None:
        requires.append(f"capability:{identity}")
    routing = route(requires, list_delegates(ctx))
    return DelegateMatch(routing.matching, [(r.delegate, r.reason()) for r in routing.refused])


@dataclass(frozen=True)
class OidcTrustView:
    """What the role of an OIDC connector must trust: this server's issuer URL (None when
    the server has none), the audience, the ``sub`` of the connector's tokens (None until
    it has an ID), and, once the role ARN is known, the IAM OIDC provider and the trust
    policy the CLI's ``permissions trust-policy --oidc`` prints (the same function)."""

    issuer_url: str | None
    issuer_warning: str | None
    audience: str
    subject: str | None
    provider_arn: str | None = None
    trust_policy: str | None = None


def _trust_scope(scope: Scope, identifier: str) -> tuple[str, str | None]:
    """``oidc_trust_policy``'s scope and connector for one connector of ``scope``."""
    if scope.project is not None:
        return f"{scope.org}/{scope.project}/{identifier}", None
    return (scope.org or "*"), identifier


def oidc_trust_view(
    ctx: AppContext, scope: Scope, identifier: str, role_arn: str, audience: str
) -> OidcTrustView:
    """The OIDC explanation of a connector being written (a role ARN or audience that is
    not valid yet gives no policy: the form shows their problems at their fields)."""
    try:
        issuer = configured_issuer(ctx.environ)
    except ValidationFailed:
        issuer = None
    aud = audience.strip() or DEFAULT_AUDIENCE
    ident = identifier.strip()
    view = OidcTrustView(
        issuer.url if issuer else None,
        issuer.warning if issuer else None,
        aud,
        subject_of(ctx.account, scope, ident) if ident else None,
    )
    arn = role_arn.strip()
    if issuer is None or not ident or not ROLE_ARN_PATTERN.match(arn):
        return view
    partition, aws_account = arn.split(":")[1], arn.split(":")[4]
    where, connector = _trust_scope(scope, ident)
    try:
        made = oidc_trust_policy(
            account=ctx.account,
            issuer_url=issuer.url,
            scope=where,
            connector=connector,
            audience=aud,
            aws_account=aws_account,
            partition=partition,
        )
    except ValidationFailed:
        return view
    return OidcTrustView(
        view.issuer_url,
        view.issuer_warning,
        aud,
        str(made["subject"]),
        str(made["oidcProvider"]["arn"]),
        json.dumps(made["trustPolicy"], indent=2),
    )


def role_hops(credential: Mapping[str, Any]) -> list[str]:
    """The roles a stored connector's credential assumes in order: the cross-account role,
    then each hop of its ``chain`` (empty without cross-account access)."""
    cross = credential.get("crossAccountAccess")
    if not isinstance(cross, Mapping) or not cross.get("crossAccountRoleArn"):
        return []
    hops = [h for h in cross.get("chain") or [] if isinstance(h, Mapping)]
    return [str(cross["crossAccountRoleArn"]), *(str(h.get("roleArn", "")) for h in hops)]


StageName = Literal["credentials", "assume-role", "describe-regions"]
StageState = Literal["passed", "failed", "not-run"]

_STAGE_TITLES: dict[str, str] = {
    "credentials": "Credentials (STS GetCallerIdentity)",
    "assume-role": "Assume role (STS AssumeRole)",
    "describe-regions": "DescribeRegions (EC2)",
}
_ROLE_CODES = frozenset({"ASSUME_ROLE_FAILED"})
_REGION_CODES = frozenset({"DESCRIBE_REGIONS_DENIED", "REGION_NOT_ENABLED", "REGION_INVALID"})


_HOP_FAILED = re.compile(r"^role chain hop (\d+) of \d+ ")


@dataclass(frozen=True)
class Stage:
    name: StageName
    title: str
    state: StageState
    errors: tuple[Failure, ...] = ()
    hop: int = 0
    """For an assume-role stage: the role's number in the chain (1-based; 0: no chain)."""


def _failed_stage(outcome: ConnectionTestOutcome, with_role: bool) -> StageName:
    """Where a failed test stopped: after GetCallerIdentity answered, DescribeRegions;
    else the assume-role stage for its code, else the credentials."""
    codes = {e.code for e in outcome.errors or ()}
    if outcome.identity is not None and outcome.identity.arn:
        return "describe-regions"
    if with_role and codes & _ROLE_CODES:
        return "assume-role"
    if codes & _REGION_CODES:
        return "describe-regions"
    return "credentials"


def _failed_hop(outcome: ConnectionTestOutcome) -> int | None:
    for error in outcome.errors or ():
        found = _HOP_FAILED.match(error.message or "")
        if found:
            return int(found.group(1))
    return None


def planned_stages(credential_type: str, hops: Sequence[str]) -> list[Stage]:
    """The stages a test of this credential runs, in order, none run yet: the credentials,
    an assume-role stage per role (``hops``: the cross-account role, then its chain), then
    DescribeRegions."""
    credentials = _STAGE_TITLES["credentials"]
    if credential_type == CredentialType.IRSA.value:
        credentials = "Credentials (web identity, then STS GetCallerIdentity)"
    elif credential_type == CredentialType.OIDC.value:
        credentials = (
            "Credentials (an ID token signed by awsconn, STS AssumeRoleWithWebIdentity, "
            "then GetCallerIdentity)"
        )
    out = [Stage("credentials", credentials, "not-run")]
    if len(hops) == 1:
        out.append(Stage("assume-role", _STAGE_TITLES["assume-role"], "not-run"))
    else:
        for n, arn in enumerate(hops, start=1):
            title = f"Assume role {n} of {len(hops)}: {arn} (STS AssumeRole)"
            out.append(Stage("assume-role", title, "not-run", hop=n))
    out.append(Stage("describe-regions", _STAGE_TITLES["describe-regions"], "not-run"))
    return out


def stages_of_test(
    outcome: ConnectionTestOutcome, credential_type: str, hops: Sequence[str]
) -> list[Stage]:
    """The stages of a connection test (:func:`planned_stages`) and how each went; a test
    that did not run (SKIPPED, NOT_TESTED) ran none."""
    planned = planned_stages(credential_type, hops)
    if outcome.status == "SUCCESS":
        return [replace(s, state="passed") for s in planned]
    if outcome.status != "FAILURE":
        return planned
    stopped = _failed_stage(outcome, bool(hops))
    failed_hop = _failed_hop(outcome) if stopped == "assume-role" and len(hops) > 1 else None
    out: list[Stage] = []
    state: StageState = "passed"
    for s in planned:
        failed = s.name == stopped and state == "passed"
        if failed and failed_hop is not None and s.hop != failed_hop:
            failed = False
        if failed:
            out.append(replace(s, state="failed", errors=tuple(outcome.errors or ())))
            state = "not-run"
        else:
            out.append(replace(s, state=state))
    return out
