"""A reusable set of compiled policies (one principal's view of one resource) and the
decision entry point :meth:`PolicySet.evaluate`.

For each action seen, the statements whose Action/NotAction match are remembered
per layer (a dict owned by the set), so repeated decisions only check resources,
principals and conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from awsconn.iam.compile import CompiledPolicy, CompiledStatement, compile_policy
from awsconn.iam.evaluate import (
    Gates,
    action_matches,
    combine,
    conditions_match,
    resource_matches,
    statement_principal,
    unmet_conditions,
)
from awsconn.iam.explain import Decision, Hit, NearMiss
from awsconn.iam.request import PreparedRequest, Request, parse_principal, resource_account_of

__all__ = ["PolicyInput", "PolicySet", "named"]

PolicyInput = Any
"""A policy: dict, JSON text, parsed Policy, CompiledPolicy, or ``(name, any of those)``."""

_ACTION_CACHE_LIMIT = 65536
_FAST_KINDS = frozenset({"user", "role", "session", "federated"})


def named(name: str, document: PolicyInput) -> CompiledPolicy:
    """Compile ``document`` under ``name`` (a managed policy ARN, ``inline:User/Policy``...)."""
    return compile_policy(document, name)


def _compile(item: PolicyInput, default: str) -> CompiledPolicy:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return compile_policy(item[1], item[0])
    if isinstance(item, CompiledPolicy):
        return item
    return compile_policy(item, default)


@dataclass(frozen=True)
class _Slot:
    """One group of policies that is judged together (a layer, or one organization level)."""

    layer: str
    level: int | None
    policies: tuple[CompiledPolicy, ...]
    resource_based: bool


class PolicySet:
    """Every policy that bears on a request, compiled once; call :meth:`evaluate` per request."""

    def __init__(
        self,
        identity: Iterable[PolicyInput] = (),
        boundaries: Iterable[PolicyInput] = (),
        scps: Iterable[Iterable[PolicyInput]] | None = None,
        rcps: Iterable[Iterable[PolicyInput]] | None = None,
        resource_policy: PolicyInput | None = None,
        session_policy: PolicyInput | None = None,
        endpoint_policies: Iterable[PolicyInput] | None = None,
    ) -> None:
        slots: list[_Slot] = [
            _Slot(
                "identity",
                None,
                tuple(_compile(p, f"identity[{i}]") for i, p in enumerate(identity)),
                False,
            )
        ]
        bounds = tuple(_compile(p, f"boundary[{i}]") for i, p in enumerate(boundaries))
        self._has_boundary = bool(bounds)
        slots.append(_Slot("boundary", None, bounds, False))
        self._scp_levels = 0 if scps is None else -1
        scp_slots = [
            _Slot(
                "scp",
                lvl,
                tuple(_compile(p, f"scp[{lvl}][{i}]") for i, p in enumerate(level)),
                False,
            )
            for lvl, level in enumerate(scps or ())
        ]
        self._has_scps = scps is not None
        rcp_slots = [
            _Slot(
                "rcp",
                lvl,
                tuple(_compile(p, f"rcp[{lvl}][{i}]") for i, p in enumerate(level)),
                True,
            )
            for lvl, level in enumerate(rcps or ())
        ]
        resource = () if resource_policy is None else (_compile(resource_policy, "resource"),)
        self._has_resource = resource_policy is not None
        session = () if session_policy is None else (_compile(session_policy, "session"),)
        self._has_session = session_policy is not None
        endpoint_slots = [
            _Slot("endpoint", i, (_compile(p, f"endpoint[{i}]"),), True)
            for i, p in enumerate(endpoint_policies or ())
        ]
        self._has_endpoint = endpoint_policies is not None
        slots += scp_slots + rcp_slots
        slots.append(_Slot("resource", None, resource, True))
        slots.append(_Slot("session", None, session, False))
        slots += endpoint_slots
        self._slots = tuple(slots)
        # Only identity policies: decisions may take the shortcut in _fast().
        self._identity_only = not (
            self._has_boundary
            or self._has_scps
            or self._has_resource
            or self._has_session
            or self._has_endpoint
            or rcp_slots
        )
        self._fast_actions: dict[str, tuple[tuple[tuple[CompiledStatement, Hit], ...], bool]] = {}
        self._by_action: dict[str, tuple[tuple[tuple[str, CompiledStatement], ...], ...]] = {}
        self._by_service: dict[str, tuple[tuple[tuple[str, CompiledStatement], ...], ...]] = {}

    @property
    def policies(self) -> list[tuple[str, CompiledPolicy]]:
        """Every (layer, policy) in the set, for listing and linting."""
        return [(s.layer, p) for s in self._slots for p in s.policies]

    def _candidates(
        self, req: PreparedRequest
    ) -> tuple[tuple[tuple[str, CompiledStatement], ...], ...]:
        found = self._by_action.get(req.action)
        if found is None:
            found = tuple(
                tuple(pair for pair in slot if action_matches(pair[1], req))
                for slot in self._service_statements(req.service)
            )
            if len(self._by_action) >= _ACTION_CACHE_LIMIT:
                self._by_action.clear()
            self._by_action[req.action] = found
        return found

    def _service_statements(
        self, service: str
    ) -> tuple[tuple[tuple[str, CompiledStatement], ...], ...]:
        """Per slot, the (policy name, statement) pairs that may match an action of
        ``service``: one lookup per new action instead of one per policy."""
        found = self._by_service.get(service)
        if found is None:
            found = self._by_service[service] = tuple(
                tuple((p.name, cs) for p in slot.policies for cs in p.for_service(service))
                for slot in self._slots
            )
        return found

    def evaluate(self, request: Request) -> Decision:
        """Decide ``request``: Allowed, ImplicitlyDenied or ExplicitlyDenied, with reasons."""
        if self._identity_only:
            fast = self._fast(request)
            if fast is not None:
                return fast
        return self._evaluate(PreparedRequest.of(request))

    def _fast(self, request: Request) -> Decision | None:
        """Shortcut for the common case (identity policies only, a same-account IAM caller,
        a concrete resource, an action without special rules) when one statement allows
        and none denies. It gives what :func:`combine` gives; anything else returns None."""
        resource = request.resource
        if request.wildcard_only or "*" in resource or "?" in resource:
            return None
        entry = self._fast_actions.get(request.action)
        if entry is None:
            req = PreparedRequest.of(request)
            special = req.service in ("iam", "kms", "sts")
            entry = (
                tuple(
                    (cs, Hit("identity", name, cs.statement.label, cs.statement.effect))
                    for name, cs in self._candidates(req)[0]
                ),
                special,
            )
            if len(self._fast_actions) >= _ACTION_CACHE_LIMIT:
                self._fast_actions.clear()
            self._fast_actions[request.action] = entry
        statements, special = entry
        if special:
            return None
        principal = parse_principal(request.principal)
        if principal.kind not in _FAST_KINDS:
            return None
        account = request.resource_account or resource_account_of(resource) or principal.account
        if account != principal.account:
            return None
        raw = request.context
        context = {k.lower(): v for k, v in raw.items()} if raw else raw
        allow: Hit | None = None
        denies: list[Hit] = []
        for cs, hit_of in statements:
            m = cs.resources
            if m is not None:
                rx = m.regex
                hit = (
                    m.any
                    or resource in m.exact
                    or (rx is not None and rx.fullmatch(resource) is not None)
                )
                if not hit and m.dynamic:
                    hit = m.matches(resource, context)
                if hit == cs.resource_negated:
                    continue
            if cs.conditions:
                for cond in cs.conditions:
                    if not cond.check(context):
                        break
                else:
                    cond = None
                if cond is not None:
                    continue
            if not cs.allow:
                denies.append(hit_of)
            elif allow is None:
                allow = hit_of
        if denies:
            return Decision("ExplicitlyDenied", denies, ["an explicit Deny applies"])
        if allow is None:
            return Decision(
                "ImplicitlyDenied",
                [],
                ["no identity-based policy allows the action"],
                lambda: self._near_misses(PreparedRequest.of(request)),
            )
        return Decision("Allowed", [allow], ["an identity-based policy allows"])

    def _evaluate(self, req: PreparedRequest) -> Decision:
        candidates = self._candidates(req)
        principal = req.principal
        denies: list[Hit] = []
        allows: list[list[Hit]] = []
        for slot, statements in zip(self._slots, candidates, strict=True):
            slot_allows: list[Hit] = []
            for name, cs in statements:
                kind: str | None = None
                if slot.resource_based:
                    kind = statement_principal(cs, principal)
                    if (
                        kind is None
                        and self._has_boundary
                        and cs.principal_negated
                        and not cs.allow
                    ):
                        # AWS: a Deny with NotPrincipal always denies a principal that has a
                        # permissions boundary, whatever NotPrincipal names.
                        kind = "boundary-notprincipal"
                    if kind is None and (cs.principals is not None or slot.layer == "resource"):
                        continue
                if not resource_matches(cs, req) or not conditions_match(cs, req):
                    continue
                hit = Hit(
                    slot.layer, name, cs.statement.label, cs.statement.effect, slot.level, kind
                )
                if cs.allow:
                    slot_allows.append(hit)
                else:
                    denies.append(hit)
            allows.append(slot_allows)
        if principal.kind in ("anonymous", "service"):
            # SCPs, boundaries and session policies bind IAM principals of the organization only.
            denies = [
                d for d in denies if d.layer not in ("scp", "identity", "boundary", "session")
            ]
        gates = self._gates(denies, allows)
        result, deciding, reasons = combine(req, gates)
        return Decision(result, deciding, reasons, lambda: self._near_misses(req))  # type: ignore[arg-type]

    def _gates(self, denies: list[Hit], allows: list[list[Hit]]) -> Gates:
        identity: list[Hit] = []
        boundary: list[Hit] | None = None
        session: list[Hit] | None = None
        resource: list[Hit] | None = None
        scp_levels: list[list[Hit]] | None = [] if self._has_scps else None
        endpoint: list[list[Hit]] | None = [] if self._has_endpoint else None
        for slot, hits in zip(self._slots, allows, strict=True):
            if slot.layer == "identity":
                identity = hits
            elif slot.layer == "boundary" and self._has_boundary:
                boundary = hits
            elif slot.layer == "session" and self._has_session:
                session = hits
            elif slot.layer == "resource" and self._has_resource:
                resource = hits
            elif slot.layer == "scp" and scp_levels is not None:
                scp_levels.append(hits)
            elif slot.layer == "endpoint" and endpoint is not None:
                endpoint.append(hits)
        return Gates(denies, identity, boundary, session, resource, scp_levels, endpoint)

    def _near_misses(self, req: PreparedRequest) -> list[NearMiss]:
        out: list[NearMiss] = []
        for slot, statements in zip(self._slots, self._candidates(req), strict=True):
            for name, cs in statements:
                kind = statement_principal(cs, req.principal) if slot.resource_based else None
                if (
                    slot.resource_based
                    and kind is None
                    and (cs.principals is not None or slot.layer == "resource")
                ):
                    continue
                if not resource_matches(cs, req):
                    continue
                unmet = unmet_conditions(cs, req)
                if unmet:
                    hit = Hit(
                        slot.layer, name, cs.statement.label, cs.statement.effect, slot.level, kind
                    )
                    out.append(NearMiss(hit, tuple(unmet)))
        return out

    def evaluate_many(self, requests: Sequence[Request]) -> list[Decision]:
        return [self.evaluate(r) for r in requests]
