"""The answer of the engine as data: a :class:`Decision` with the statements that decided
it (layer, policy name, Sid or index, effect), the gates that failed, and for an
implicit deny the near misses (statements whose action and resource matched but whose
conditions did not, with the unmet clauses and the missing keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Decision", "Hit", "Layer", "NearMiss", "Result"]

Result = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
Layer = Literal["identity", "boundary", "scp", "rcp", "resource", "session", "endpoint"]


@dataclass(frozen=True)
class Hit:
    """A statement that applied to the request."""

    layer: str
    policy: str
    statement: str
    effect: str
    level: int | None = None
    principal_match: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "layer": self.layer,
            "policy": self.policy,
            "statement": self.statement,
            "effect": self.effect,
        }
        if self.level is not None:
            out["level"] = self.level
        if self.principal_match is not None:
            out["principalMatch"] = self.principal_match
        return out


@dataclass(frozen=True)
class NearMiss:
    """A statement that matched action, resource and principal but failed on conditions."""

    hit: Hit
    unmet: tuple[dict[str, Any], ...]

    @property
    def missing_keys(self) -> list[str]:
        return [str(u["key"]) for u in self.unmet if u.get("missingKey")]

    def to_dict(self) -> dict[str, Any]:
        out = self.hit.to_dict()
        out["unmetConditions"] = list(self.unmet)
        out["missingKeys"] = self.missing_keys
        return out


class Decision:
    """The decision and why. ``deciding`` lists the statements that made the result:
    the denies for ``ExplicitlyDenied``, the allows that counted for ``Allowed``;
    ``reasons`` says in words which gate failed or passed. (A plain slotted class:
    one is built per decision, so construction cost matters.)"""

    __slots__ = ("_near_misses", "deciding", "reasons", "result")

    def __init__(
        self,
        result: Result,
        deciding: list[Hit] | None = None,
        reasons: list[str] | None = None,
        near_misses: Callable[[], list[NearMiss]] | None = None,
    ) -> None:
        self.result: Result = result
        self.deciding: list[Hit] = deciding if deciding is not None else []
        self.reasons: list[str] = reasons if reasons is not None else []
        self._near_misses = near_misses

    def __repr__(self) -> str:
        return f"Decision({self.result!r}, deciding={self.deciding!r})"

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    def near_misses(self) -> list[NearMiss]:
        """Statements defeated only by their conditions (computed on demand: slow path)."""
        return self._near_misses() if self._near_misses is not None else []

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "result": self.result,
            "deciding": [h.to_dict() for h in self.deciding],
            "reasons": list(self.reasons),
        }
        if self.result != "Allowed" or not self.deciding:
            out["nearMisses"] = [n.to_dict() for n in self.near_misses()]
        return out

    def explain(self) -> str:
        """The decision in a few lines of text for people."""
        lines: list[str] = [self.result]
        for reason in self.reasons:
            lines.append(f"  {reason}")
        for h in self.deciding:
            level = f" level {h.level}" if h.level is not None else ""
            lines.append(
                f"  {h.effect} by {h.layer}{level} policy {h.policy!r} statement {h.statement}"
            )
        if self.result != "Allowed":
            for miss in self.near_misses():
                h = miss.hit
                where = f"{h.layer} policy {h.policy!r} statement {h.statement}"
                lines.append(f"  near miss: {where} ({h.effect})")
                for u in miss.unmet:
                    got = "missing" if u.get("missingKey") else u.get("requestValues")
                    lines.append(
                        f"    unmet {u['operator']} {u['key']} {u['values']} (request: {got})"
                    )
        return "\n".join(lines)
