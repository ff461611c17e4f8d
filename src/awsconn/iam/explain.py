"""The answer of the engine as data: a :class:`Decision` with the statements that decided
it (layer, policy name, Sid or index, effect), the gates that failed, and the near
misses (statements whose action and resource matched but that did not apply: the unmet
clauses, the missing keys, a Resource variable the request lacks).

A request may leave keys unknown (``Request.unknown_keys``); when the answer turns on
them the result is ``Depends``, with ``depends_on`` (the keys, as the policies write
them), ``possible`` (pessimistic, optimistic) and ``conditional`` (each uncertain
statement with the clauses on unknown keys, marked ``unknownKey: true``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Decision", "Hit", "Layer", "NearMiss", "Result"]

Result = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Depends"]
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
    """A statement whose action and principal matched but that did not apply (``unmet``:
    its failed clauses, or a Resource variable the request lacks), or, in
    ``Decision.conditional``, one that applies only if unknown keys allow (``unmet``:
    the clauses on unknown keys, each with ``unknownKey: true``)."""

    hit: Hit
    unmet: tuple[dict[str, Any], ...]

    @property
    def missing_keys(self) -> list[str]:
        return [str(u["key"]) for u in self.unmet if u.get("missingKey")]

    @property
    def unknown_keys(self) -> list[str]:
        keys: list[str] = []
        for u in self.unmet:
            if u.get("unknownKey"):
                keys.extend(u.get("unknownKeys") or [str(u["key"])])
        return keys

    def to_dict(self) -> dict[str, Any]:
        out = self.hit.to_dict()
        out["unmetConditions"] = list(self.unmet)
        out["missingKeys"] = self.missing_keys
        if any(u.get("unknownKey") for u in self.unmet):
            out["unknownKeys"] = self.unknown_keys
        return out

    def lines(self) -> list[str]:
        """The unmet (or unknown) elements in words, for :meth:`Decision.explain`."""
        out = []
        for u in self.unmet:
            if "element" in u:
                state = "unknown" if u.get("unknownKey") else "missing"
                out.append(f"{u['element']} {u['values']} needs ${{{u['key']}}} ({state})")
            else:
                got = (
                    "unknown"
                    if u.get("unknownKey")
                    else "missing"
                    if u.get("missingKey")
                    else u.get("requestValues")
                )
                word = "depends on" if u.get("unknownKey") else "unmet"
                out.append(f"{word} {u['operator']} {u['key']} {u['values']} (request: {got})")
        return out


class Decision:
    """The decision and why. ``deciding`` lists the statements that made the result:
    the denies for ``ExplicitlyDenied``, the allows that counted for ``Allowed``, none
    for ``Depends`` (see ``conditional``);
    ``reasons`` says in words which gate failed or passed. For ``Depends``:
    ``depends_on`` (sorted, unique, as written), ``possible`` (pessimistic, optimistic)
    and ``conditional``; a definite decision has ``depends_on == ()``, ``possible ==
    (result, result)`` and ``conditional == []``. (A plain slotted class: one is built
    per decision, so construction cost matters.)"""

    __slots__ = ("_depends", "_near_misses", "deciding", "reasons", "result")

    def __init__(
        self,
        result: Result,
        deciding: list[Hit] | None = None,
        reasons: list[str] | None = None,
        near_misses: Callable[[], list[NearMiss]] | None = None,
        *,
        depends_on: tuple[str, ...] = (),
        possible: tuple[Result, Result] | None = None,
        conditional: list[NearMiss] | None = None,
    ) -> None:
        self.result: Result = result
        self.deciding: list[Hit] = deciding if deciding is not None else []
        self.reasons: list[str] = reasons if reasons is not None else []
        self._near_misses = near_misses
        self._depends: tuple[tuple[str, ...], tuple[Result, Result], list[NearMiss]] | None = (
            None
            if possible is None
            else (depends_on, possible, conditional if conditional is not None else [])
        )

    def __repr__(self) -> str:
        return f"Decision({self.result!r}, deciding={self.deciding!r})"

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The unknown keys the answer turns on, as the policies write them (sorted)."""
        return self._depends[0] if self._depends is not None else ()

    @property
    def possible(self) -> tuple[Result, Result]:
        """(pessimistic, optimistic): the results if the unknown keys go against the
        request and for it; both equal ``result`` when it is definite."""
        return self._depends[1] if self._depends is not None else (self.result, self.result)

    @property
    def conditional(self) -> list[NearMiss]:
        """Each uncertain statement with its clauses on unknown keys (``Depends`` only)."""
        return self._depends[2] if self._depends is not None else []

    def near_misses(self) -> list[NearMiss]:
        """Statements that did not apply though their action matched (computed on demand)."""
        return self._near_misses() if self._near_misses is not None else []

    def _shown_misses(self) -> list[NearMiss]:
        """Every near miss unless allowed; when allowed, only Denies that did not apply."""
        misses = self.near_misses()
        if self.result == "Allowed" and self.deciding:
            return [m for m in misses if m.hit.effect == "Deny"]
        return misses

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "result": self.result,
            "deciding": [h.to_dict() for h in self.deciding],
            "reasons": list(self.reasons),
        }
        misses = self._shown_misses()
        if misses or self.result != "Allowed" or not self.deciding:
            out["nearMisses"] = [n.to_dict() for n in misses]
        if self.result == "Depends":
            out["dependsOn"] = list(self.depends_on)
            out["possible"] = list(self.possible)
            out["conditional"] = [n.to_dict() for n in self.conditional]
        return out

    def explain(self) -> str:
        """The decision in a few lines of text for people."""
        head: str = self.result
        if self.result == "Depends":
            low, high = self.possible
            head = f"Depends on {', '.join(self.depends_on)}: {low} or {high}"
        lines: list[str] = [head]
        for reason in self.reasons:
            lines.append(f"  {reason}")
        for h in self.deciding:
            level = f" level {h.level}" if h.level is not None else ""
            lines.append(
                f"  {h.effect} by {h.layer}{level} policy {h.policy!r} statement {h.statement}"
            )
        for miss in self.conditional:
            h = miss.hit
            where = f"{h.layer} policy {h.policy!r} statement {h.statement}"
            lines.append(f"  conditional: {where} ({h.effect})")
            lines.extend(f"    {line}" for line in miss.lines())
        for miss in self._shown_misses():
            h = miss.hit
            where = f"{h.layer} policy {h.policy!r} statement {h.statement}"
            lines.append(f"  near miss: {where} ({h.effect})")
            lines.extend(f"    {line}" for line in miss.lines())
        return "\n".join(lines)
