"""Reads the web UI's pages need that no other entry point asks for, over the same use
cases and permissions: the secrets a connector may name, the delegates that match a
connector's selectors now, and the stages of a connection test.

The connection test is one call (GetCallerIdentity, with the cross-account role assumed
first when there is one, then DescribeRegions); :func:`stages_of_test` says how far it got
from its result: which stage each failure code belongs to, the ones before it passed,
the ones after it did not run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from awsconn.model import CredentialType, Scope
from awsconn.model.results import ConnectionTestOutcome, DelegateInfo, Failure
from awsconn.service import secrets as secret_cases
from awsconn.service.access import Permission
from awsconn.service.context import AppContext
from awsconn.service.delegates import IDENTITY_CAPABILITIES, list_delegates, route

__all__ = [
    "DelegateMatch",
    "SecretChoice",
    "Stage",
    "matching_delegates",
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


StageName = Literal["credentials", "assume-role", "describe-regions"]
StageState = Literal["passed", "failed", "not-run"]

_STAGE_TITLES: dict[str, str] = {
    "credentials": "Credentials (STS GetCallerIdentity)",
    "assume-role": "Assume role (STS AssumeRole)",
    "describe-regions": "DescribeRegions (EC2)",
}
_ROLE_CODES = frozenset({"ASSUME_ROLE_FAILED"})
_REGION_CODES = frozenset({"DESCRIBE_REGIONS_DENIED", "REGION_NOT_ENABLED", "REGION_INVALID"})


@dataclass(frozen=True)
class Stage:
    name: StageName
    title: str
    state: StageState
    errors: tuple[Failure, ...] = ()


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


def stages_of_test(
    outcome: ConnectionTestOutcome, credential_type: str, with_role: bool
) -> list[Stage]:
    """The stages of a connection test (the assume-role stage only with a cross-account
    role) and how each went; a test that did not run (SKIPPED, NOT_TESTED) ran none."""
    names: list[StageName] = ["credentials"]
    if with_role:
        names.append("assume-role")
    names.append("describe-regions")
    title = dict(_STAGE_TITLES)
    if credential_type == CredentialType.IRSA.value:
        title["credentials"] = "Credentials (web identity, then STS GetCallerIdentity)"
    if outcome.status == "SUCCESS":
        return [Stage(n, title[n], "passed") for n in names]
    if outcome.status != "FAILURE":
        return [Stage(n, title[n], "not-run") for n in names]
    stopped = _failed_stage(outcome, with_role)
    out: list[Stage] = []
    state: StageState = "passed"
    for n in names:
        if n == stopped:
            out.append(Stage(n, title[n], "failed", tuple(outcome.errors or ())))
            state = "not-run"
        else:
            out.append(Stage(n, title[n], state))
    return out
