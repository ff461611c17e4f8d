"""Permission check reports: per action, per capability, the whole check, and a diff.

Data only (with ``to_dict`` for ``-o json`` and the API); the use cases that fill them
live in :mod:`awsconn.service.permissions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from awsconn.iam.capabilities import RequiredPermission
from awsconn.iam.generate import least_privilege_policy

__all__ = ["ActionCheck", "CapabilityResult", "CheckReport", "DiffReport"]


@dataclass
class ActionCheck:
    """One concrete action on one resource: the decision and what made it."""

    capability: str
    shape: str
    pattern: str  # the action as the catalog writes it (may be a wildcard)
    action: str
    resource: str
    decision: str  # Allowed | ImplicitlyDenied | ExplicitlyDenied
    decided_by: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "decision": self.decision,
            "decidedBy": self.decided_by,
            "reasons": self.reasons,
        }


@dataclass
class CapabilityResult:
    """One capability: granted (every action), partly (some) or not granted (none)."""

    name: str
    checks: list[ActionCheck]

    @property
    def status(self) -> str:
        allowed = sum(c.allowed for c in self.checks)
        if allowed == len(self.checks):
            return "granted"
        return "partly" if allowed else "not granted"

    @property
    def missing(self) -> list[ActionCheck]:
        return [c for c in self.checks if not c.allowed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.name,
            "status": self.status,
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

    @property
    def ok(self) -> bool:
        return all(c.status == "granted" for c in self.capabilities)

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
        return {
            "ok": self.ok,
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
        }


def _compact_missing(results: Sequence[CapabilityResult]) -> list[RequiredPermission]:
    """Missing actions for the policy: a catalog wildcard stays whole when all of it is missing."""
    out: list[RequiredPermission] = []
    for result in results:
        groups: dict[tuple[str, str, str], list[ActionCheck]] = {}
        for c in result.checks:
            groups.setdefault((c.pattern, c.resource, c.shape), []).append(c)
        for (pattern, resource, shape), checks in groups.items():
            missing = [c for c in checks if not c.allowed]
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
        out: list[dict[str, Any]] = []
        for old, new in zip(self.before.capabilities, self.after.capabilities, strict=True):
            was = {(c.action, c.resource) for c in old.checks if c.allowed}
            now = {(c.action, c.resource) for c in new.checks if c.allowed}
            gained, lost = sorted(now - was), sorted(was - now)
            change = (
                "loses"
                if lost and not gained
                else "gains"
                if gained and not lost
                else ("changes" if gained else "same")
            )
            out.append(
                {
                    "capability": old.name,
                    "before": old.status,
                    "after": new.status,
                    "change": change,
                    "gained": [{"action": a, "resource": r} for a, r in gained],
                    "lost": [{"action": a, "resource": r} for a, r in lost],
                }
            )
        return out

    @property
    def ok(self) -> bool:
        """True when the new policy set loses nothing the current identity has."""
        return all(not c["lost"] for c in self.changes())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "changes": self.changes(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }
