"""Permission check reports: per action, per capability, the whole check, and a diff.

Data the check fills (the use cases live in :mod:`awsconn.service.permissions`), each
turned into its result model (``awsconn.model.results``) by one function here:
:func:`report_model`, :func:`diff_model`.

Every action, capability and check has a ``status``: ``GRANTED``, ``NOT_GRANTED``, or
``DEPENDS`` when the answer hangs on condition keys only the real request carries
(``dependsOn`` names them). Only ``GRANTED`` everywhere is ``ok``; an action that depends
is never put in the policy to attach (attaching a policy would not decide it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from awsconn.iam.capabilities import RequiredPermission
from awsconn.iam.generate import least_privilege_policy
from awsconn.model.results import (
    ActionCheckResult,
    ActionRef,
    CapabilityChange,
    CapabilityReport,
    DependentAction,
    PermissionDiff,
    PermissionReport,
    PolicyUsed,
    ReportPrincipal,
    RequestContextReport,
)
from awsconn.service.permission_context import RequestContext

ChangeKind = Literal["same", "gains", "loses", "changes", "depends"]

__all__ = [
    "DEPENDS",
    "GRANTED",
    "NOT_GRANTED",
    "ActionCheck",
    "CapabilityResult",
    "CheckReport",
    "DiffReport",
    "combined_status",
    "diff_model",
    "report_model",
]

Status = Literal["GRANTED", "NOT_GRANTED", "DEPENDS"]
GRANTED: Status = "GRANTED"
NOT_GRANTED: Status = "NOT_GRANTED"
DEPENDS: Status = "DEPENDS"


def combined_status(statuses: Sequence[Status]) -> Status:
    """One answer for many: not granted if any is, else depends if any does, else granted."""
    if NOT_GRANTED in statuses:
        return NOT_GRANTED
    return DEPENDS if DEPENDS in statuses else GRANTED


def _keys(groups: Sequence[Sequence[str]]) -> list[str]:
    """Keys of several answers, once each (case-insensitive, first spelling kept)."""
    seen: dict[str, str] = {}
    for keys in groups:
        for key in keys:
            seen.setdefault(key.lower(), key)
    return sorted(seen.values(), key=str.lower)


@dataclass
class ActionCheck:
    """One concrete action on one resource: the decision and what made it."""

    capability: str
    shape: str
    pattern: str  # the action as the catalog writes it (may be a wildcard)
    action: str
    resource: str
    decision: str  # Allowed | ImplicitlyDenied | ExplicitlyDenied | Depends
    decided_by: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    conditional: list[dict[str, Any]] = field(default_factory=list)
    """Statements whose conditions test keys the check does not know, with those clauses."""
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    """Statements defeated only by their conditions (as ``policy evaluate`` shows them)."""
    possible: tuple[str, str] | None = None
    """For ``Depends``: the worst and the best result the unknown keys allow."""

    @property
    def status(self) -> Status:
        if self.decision == "Allowed":
            return GRANTED
        return DEPENDS if self.decision == "Depends" else NOT_GRANTED

    @property
    def allowed(self) -> bool:
        return self.status == GRANTED


@dataclass
class CapabilityResult:
    """One capability: granted (every action), not granted (some action is not), or
    depends (none is refused, some hang on unknown keys); ``identity`` says whose
    permissions were checked (``connector`` or ``base``, the one under the role)."""

    name: str
    checks: list[ActionCheck]
    identity: str = "connector"

    @property
    def status(self) -> Status:
        return combined_status([c.status for c in self.checks])

    @property
    def depends_on(self) -> list[str]:
        return _keys([c.depends_on for c in self.checks if c.status == DEPENDS])

    @property
    def missing(self) -> list[ActionCheck]:
        """Actions not granted (a policy could fix them); those that depend are not here."""
        return [c for c in self.checks if c.status == NOT_GRANTED]


@dataclass
class CheckReport:
    """The whole check: who, how, with which parameters, per capability, what to attach."""

    method: str  # simulator | policies | what-if | root
    parameters: dict[str, str]
    defaults: dict[str, str]
    capabilities: list[CapabilityResult]
    principal: ReportPrincipal | None = None
    notes: list[str] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    base_principal: ReportPrincipal | None = None
    """Who the ``base`` capabilities were checked as (the identity under the role)."""
    contexts: dict[str, RequestContext] = field(default_factory=dict)
    """Per identity (``connector``, ``base``) the request context the check used."""
    trust_policy: tuple[str, Any] | None = None
    """The connector's role's trust policy (label, document), when assuming it was checked."""

    @property
    def status(self) -> Status:
        return combined_status([c.status for c in self.capabilities])

    @property
    def depends_on(self) -> list[str]:
        return _keys([c.depends_on for c in self.capabilities])

    @property
    def ok(self) -> bool:
        return self.status == GRANTED

    @property
    def summary(self) -> dict[str, Status]:
        return {c.name: c.status for c in self.capabilities}

    def missing_policy(self) -> dict[str, Any] | None:
        """The exact policy that would grant what is missing (None when nothing is)."""
        missing = [m for c in self.capabilities for m in c.missing]
        if not missing:
            return None
        return least_privilege_policy(_compact_missing(self.capabilities))

    def explicit_denies(self) -> list[ActionCheck]:
        """Missing actions an Allow cannot fix: a Deny (or an SCP) must change first."""
        return [m for c in self.capabilities for m in c.missing if m.decision == "ExplicitlyDenied"]


def _compact_missing(results: Sequence[CapabilityResult]) -> list[RequiredPermission]:
    """Missing actions for the policy: a catalog wildcard stays whole when all of it is missing."""
    out: list[RequiredPermission] = []
    for result in results:
        groups: dict[tuple[str, str, str], list[ActionCheck]] = {}
        for c in result.checks:
            groups.setdefault((c.pattern, c.resource, c.shape), []).append(c)
        for (pattern, resource, shape), checks in groups.items():
            missing = [c for c in checks if c.status == NOT_GRANTED]
            if not missing:
                continue
            if len(missing) == len(checks) and len(checks) > 1:
                out.append(RequiredPermission(result.name, shape, pattern, resource))
            else:
                out.extend(
                    RequiredPermission(result.name, shape, c.action, resource) for c in missing
                )
    return out


@dataclass
class DiffReport:
    """Before and after switching to a new policy set: which uses gain or lose what."""

    before: CheckReport
    after: CheckReport

    def changes(self) -> list[CapabilityChange]:
        """Per capability: what the new set grants that the current does not, and back.

        An action granted now that would only depend on unknown keys after the switch is
        listed under ``depends`` (not kept for sure, not lost for sure).
        """
        out: list[CapabilityChange] = []
        for old, new in zip(self.before.capabilities, self.after.capabilities, strict=True):
            was = {(c.action, c.resource) for c in old.checks if c.allowed}
            now = {(c.action, c.resource) for c in new.checks if c.allowed}
            after_depends = {(c.action, c.resource): c for c in new.checks if c.status == DEPENDS}
            unsure = sorted(k for k in was - now if k in after_depends)
            gained = sorted(now - was)
            lost = sorted(k for k in was - now if k not in after_depends)
            out.append(
                CapabilityChange(
                    capability=old.name,
                    before=old.status,
                    after=new.status,
                    change=_change(bool(gained), bool(lost), bool(unsure)),
                    gained=[ActionRef(action=a, resource=r) for a, r in gained],
                    lost=[ActionRef(action=a, resource=r) for a, r in lost],
                    depends=[
                        DependentAction(
                            action=a, resource=r, depends_on=list(after_depends[(a, r)].depends_on)
                        )
                        for a, r in unsure
                    ],
                )
            )
        return out

    @property
    def ok(self) -> bool:
        """True when the new policy set surely keeps everything the current identity has."""
        return all(not c.lost and not c.depends for c in self.changes())


def _change(gained: bool, lost: bool, unsure: bool) -> ChangeKind:
    if gained and (lost or unsure):
        return "changes"
    if lost:
        return "loses"
    if gained:
        return "gains"
    return "depends" if unsure else "same"


# -- the one conversion of each to its result model ----------------------------------


def _action_model(c: ActionCheck) -> ActionCheckResult:
    return ActionCheckResult(
        action=c.action,
        resource=c.resource,
        decision=c.decision,  # type: ignore[arg-type]
        status=c.status,
        depends_on=list(c.depends_on),
        decided_by=c.decided_by,
        reasons=list(c.reasons),
        possible=list(c.possible) if c.possible is not None else None,
        conditional=c.conditional,
        near_misses=c.near_misses,
    )


def _capability_model(c: CapabilityResult) -> CapabilityReport:
    return CapabilityReport(
        capability=c.name,
        status=c.status,
        depends_on=c.depends_on,
        identity=c.identity,  # type: ignore[arg-type]
        granted=sum(a.allowed for a in c.checks),
        required=len(c.checks),
        actions=[_action_model(a) for a in c.checks],
    )


def _context_model(context: RequestContext) -> RequestContextReport:
    return RequestContextReport(
        principal=context.principal,
        filled=dict(sorted(context.values.items())),
        known_absent=sorted(context.absent) + [f"{p}*" for p in context.absent_prefixes],
        assume_role_external_id=context.external_id if context.external_id_known else None,
        principal_source=context.principal_source or None,
    )


def report_model(report: CheckReport) -> PermissionReport:
    """The check as the result model ``permissions check`` and the API return."""
    return PermissionReport(
        ok=report.ok,
        status=report.status,
        depends_on=report.depends_on,
        method=report.method,
        principal=report.principal,
        parameters=dict(report.parameters),
        defaults=dict(report.defaults),
        summary=report.summary,
        capabilities=[_capability_model(c) for c in report.capabilities],
        missing_policy=report.missing_policy(),
        explicit_denies=[_action_model(d) for d in report.explicit_denies()],
        policies=[PolicyUsed.model_validate(p) for p in report.policies],
        notes=list(report.notes),
        context={k: _context_model(v) for k, v in report.contexts.items()},
        base_principal=report.base_principal,
    )


def diff_model(diff: DiffReport) -> PermissionDiff:
    """The diff as the result model ``permissions diff`` and the API return."""
    changes = diff.changes()
    return PermissionDiff(
        ok=all(not c.lost and not c.depends for c in changes),
        changes=changes,
        before=report_model(diff.before),
        after=report_model(diff.after),
    )
