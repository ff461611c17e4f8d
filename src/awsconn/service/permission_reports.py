"""Permission check reports: per action, per capability, the whole check, and a diff.

Data only (with ``to_dict`` for ``-o json`` and the API); the use cases that fill them
live in :mod:`awsconn.service.permissions`.

Every action, capability and check has a ``status``: ``GRANTED``, ``NOT_GRANTED``, or
``DEPENDS`` when the answer hangs on condition keys only the real request carries
(``dependsOn`` names them). Only ``GRANTED`` everywhere is ``ok``; an action that depends
is never put in the policy to attach (attaching a policy would not decide it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from awsconn.iam.capabilities import RequiredPermission
from awsconn.iam.generate import least_privilege_policy
from awsconn.service.permission_context import RequestContext

__all__ = [
    "DEPENDS",
    "GRANTED",
    "NOT_GRANTED",
    "ActionCheck",
    "CapabilityResult",
    "CheckReport",
    "DiffReport",
    "combined_status",
]

GRANTED = "GRANTED"
NOT_GRANTED = "NOT_GRANTED"
DEPENDS = "DEPENDS"


def combined_status(statuses: Sequence[str]) -> str:
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
    def status(self) -> str:
        if self.decision == "Allowed":
            return GRANTED
        return DEPENDS if self.decision == "Depends" else NOT_GRANTED

    @property
    def allowed(self) -> bool:
        return self.status == GRANTED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "resource": self.resource,
            "decision": self.decision,
            "status": self.status,
            "dependsOn": list(self.depends_on),
            "decidedBy": self.decided_by,
            "reasons": self.reasons,
        }
        if self.possible is not None:
            out["possible"] = list(self.possible)
        if self.conditional:
            out["conditional"] = self.conditional
        if self.near_misses:
            out["nearMisses"] = self.near_misses
        return out


@dataclass
class CapabilityResult:
    """One capability: granted (every action), not granted (some action is not), or
    depends (none is refused, some hang on unknown keys); ``identity`` says whose
    permissions were checked (``connector`` or ``base``, the one under the role)."""

    name: str
    checks: list[ActionCheck]
    identity: str = "connector"

    @property
    def status(self) -> str:
        return combined_status([c.status for c in self.checks])

    @property
    def depends_on(self) -> list[str]:
        return _keys([c.depends_on for c in self.checks if c.status == DEPENDS])

    @property
    def missing(self) -> list[ActionCheck]:
        """Actions not granted (a policy could fix them); those that depend are not here."""
        return [c for c in self.checks if c.status == NOT_GRANTED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.name,
            "status": self.status,
            "dependsOn": self.depends_on,
            "identity": self.identity,
            "granted": sum(c.allowed for c in self.checks),
            "required": len(self.checks),
            "actions": [c.to_dict() for c in self.checks],
        }


@dataclass
class CheckReport:
    """The whole check: who, how, with which parameters, per capability, what to attach."""

    method: str  # simulator | policies | what-if | root
    parameters: dict[str, str]
    defaults: dict[str, str]
    capabilities: list[CapabilityResult]
    principal: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    base_principal: dict[str, str] | None = None
    """Who the ``base`` capabilities were checked as (the identity under the role)."""
    contexts: dict[str, RequestContext] = field(default_factory=dict)
    """Per identity (``connector``, ``base``) the request context the check used."""
    trust_policy: tuple[str, Any] | None = None
    """The connector's role's trust policy (label, document), when assuming it was checked."""

    @property
    def status(self) -> str:
        return combined_status([c.status for c in self.capabilities])

    @property
    def depends_on(self) -> list[str]:
        return _keys([c.depends_on for c in self.capabilities])

    @property
    def ok(self) -> bool:
        return self.status == GRANTED

    @property
    def summary(self) -> dict[str, str]:
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

    def to_dict(self) -> dict[str, Any]:
        out = {
            "ok": self.ok,
            "status": self.status,
            "dependsOn": self.depends_on,
            "method": self.method,
            "principal": self.principal,
            "parameters": self.parameters,
            "defaults": self.defaults,
            "summary": self.summary,
            "capabilities": [c.to_dict() for c in self.capabilities],
            "missingPolicy": self.missing_policy(),
            "explicitDenies": [d.to_dict() for d in self.explicit_denies()],
            "policies": self.policies,
            "notes": self.notes,
            "context": {k: v.to_dict() for k, v in self.contexts.items()},
        }
        if self.base_principal is not None:
            out["basePrincipal"] = self.base_principal
        return out


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

    def changes(self) -> list[dict[str, Any]]:
        """Per capability: what the new set grants that the current does not, and back.

        An action granted now that would only depend on unknown keys after the switch is
        listed under ``depends`` (not kept for sure, not lost for sure).
        """
        out: list[dict[str, Any]] = []
        for old, new in zip(self.before.capabilities, self.after.capabilities, strict=True):
            was = {(c.action, c.resource) for c in old.checks if c.allowed}
            now = {(c.action, c.resource) for c in new.checks if c.allowed}
            after_depends = {(c.action, c.resource): c for c in new.checks if c.status == DEPENDS}
            unsure = sorted(k for k in was - now if k in after_depends)
            gained = sorted(now - was)
            lost = sorted(k for k in was - now if k not in after_depends)
            change = _change(bool(gained), bool(lost), bool(unsure))
            out.append(
                {
                    "capability": old.name,
                    "before": old.status,
                    "after": new.status,
                    "change": change,
                    "gained": [{"action": a, "resource": r} for a, r in gained],
                    "lost": [{"action": a, "resource": r} for a, r in lost],
                    "depends": [
                        {
                            "action": a,
                            "resource": r,
                            "dependsOn": list(after_depends[(a, r)].depends_on),
                        }
                        for a, r in unsure
                    ],
                }
            )
        return out

    @property
    def ok(self) -> bool:
        """True when the new policy set surely keeps everything the current identity has."""
        return all(not c["lost"] and not c["depends"] for c in self.changes())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "changes": self.changes(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def _change(gained: bool, lost: bool, unsure: bool) -> str:
    if gained and (lost or unsure):
        return "changes"
    if lost:
        return "loses"
    if gained:
        return "gains"
    return "depends" if unsure else "same"
