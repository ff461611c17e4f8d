"""A reusable set of compiled policies (one principal's view of one resource) and the
decision entry point :meth:`PolicySet.evaluate`.

For each action seen, the statements whose Action/NotAction match are remembered
per layer (a dict owned by the set), so repeated decisions only check resources,
principals and conditions. Which statements apply is gathered here; what that means
is decided by :func:`awsconn.iam.combine.authorize`, the one combining rule, on every
path (the identity-only shortcut included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from awsconn.errors import ValidationFailed
from awsconn.iam.combine import Gates, Outcome, authorize, combine
from awsconn.iam.compile import CompiledPolicy, CompiledStatement, compile_policy
from awsconn.iam.evaluate import (
    action_matches,
    resource_applies,
    statement_applies,
    statement_principal,
    unknown_elements,
    unmet_elements,
)
from awsconn.iam.explain import Decision, Hit, NearMiss
from awsconn.iam.kinds import LAYER_KINDS
from awsconn.iam.request import PreparedRequest, Request

__all__ = ["PolicyInput", "PolicySet", "named"]

PolicyInput = Any
"""A policy: dict, JSON text, parsed Policy, CompiledPolicy, or ``(name, any of those)``."""

_ACTION_CACHE_LIMIT = 65536


def named(name: str, document: PolicyInput) -> CompiledPolicy:
    """Compile ``document`` under ``name`` (a managed policy ARN, ``inline:User/Policy``...)."""
    return compile_policy(document, name)


def _compile(item: PolicyInput, default: str, layer: str) -> CompiledPolicy:
    """Compile one policy of a layer; a bad one is refused naming the policy and its paths."""
    name, document = default, item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        name, document = item
    elif isinstance(item, CompiledPolicy):
        name = item.name
    try:
        return compile_policy(document, name, kind=LAYER_KINDS[layer])
    except ValidationFailed as exc:
        raise ValidationFailed(exc.problems, what=f"{layer} policy {name}") from None


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
                tuple(_compile(p, f"identity[{i}]", "identity") for i, p in enumerate(identity)),
                False,
            )
        ]
        bounds = tuple(_compile(p, f"boundary[{i}]", "boundary") for i, p in enumerate(boundaries))
        self._has_boundary = bool(bounds)
        slots.append(_Slot("boundary", None, bounds, False))
        scp_slots = [
            _Slot(
                "scp",
                lvl,
                tuple(_compile(p, f"scp[{lvl}][{i}]", "scp") for i, p in enumerate(level)),
                False,
            )
            for lvl, level in enumerate(scps or ())
        ]
        self._has_scps = scps is not None
        rcp_slots = [
            _Slot(
                "rcp",
                lvl,
                tuple(_compile(p, f"rcp[{lvl}][{i}]", "rcp") for i, p in enumerate(level)),
                True,
            )
            for lvl, level in enumerate(rcps or ())
        ]
        resource = (
            () if resource_policy is None else (_compile(resource_policy, "resource", "resource"),)
        )
        self._has_resource = resource_policy is not None
        session = (
            () if session_policy is None else (_compile(session_policy, "session", "session"),)
        )
        self._has_session = session_policy is not None
        endpoint_slots = [
            _Slot("endpoint", i, (_compile(p, f"endpoint[{i}]", "endpoint"),), True)
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
        self._fast_actions: dict[str, tuple[tuple[CompiledStatement, Hit], ...]] = {}
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
        """Decide ``request``: Allowed, ImplicitlyDenied, ExplicitlyDenied, or Depends (when
        the answer turns on ``request.unknown_keys``), with the statements and reasons."""
        req = PreparedRequest(request)
        if self._identity_only and not req.unknown_keys and not req.resource_is_pattern:
            return self._fast(req)
        return self._decide(req)

    def _fast(self, req: PreparedRequest) -> Decision:
        """The identity-only case for a concrete resource (or a wildcard-only action's
        ``*``) and nothing unknown: the identity statements of the action were picked once,
        so only their resources and conditions are checked here; :func:`combine` decides,
        as on the full path."""
        action = req.request.action
        statements = self._fast_actions.get(action)
        if statements is None:
            statements = tuple(
                (cs, Hit("identity", name, cs.statement.label, cs.statement.effect))
                for name, cs in self._candidates(req)[0]
            )
            if len(self._fast_actions) >= _ACTION_CACHE_LIMIT:
                self._fast_actions.clear()
            self._fast_actions[action] = statements
        resource = req.resource
        context = req.context
        allows: list[Hit] = []
        denies: list[Hit] = []
        for cs, hit in statements:
            m = cs.resources
            if m is not None:
                if m.dynamic:
                    if not resource_applies(cs, req):
                        continue
                else:
                    rx = m.regex
                    matched = (
                        m.any
                        or resource in m.exact
                        or (rx is not None and rx.fullmatch(resource) is not None)
                        or (bool(m.automata) and m.matches(resource, context))
                    )
                    if matched == cs.resource_negated:
                        continue
            if cs.conditions and not all(c.check(context) for c in cs.conditions):
                continue
            if cs.allow:
                allows.append(hit)
            else:
                denies.append(hit)
        result, deciding, reasons = combine(req, denies, allows)
        return Decision(result, deciding, reasons, lambda: self._near_misses(req))

    def _decide(self, req: PreparedRequest) -> Decision:
        """Every layer: which statements apply, which may (unknown keys), then the rule."""
        principal = req.principal
        denies: list[Hit] = []
        maybe_denies: list[Hit] = []
        allows: list[list[Hit]] = []
        maybe_allows: list[list[Hit]] = []
        uncertain: list[tuple[Hit, CompiledStatement]] = []
        for slot, statements in zip(self._slots, self._candidates(req), strict=True):
            slot_allows: list[Hit] = []
            slot_maybe: list[Hit] = []
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
                applies = statement_applies(cs, req)
                if applies is False:
                    continue
                hit = Hit(
                    slot.layer, name, cs.statement.label, cs.statement.effect, slot.level, kind
                )
                if applies is None:
                    uncertain.append((hit, cs))
                    (slot_maybe if cs.allow else maybe_denies).append(hit)
                elif cs.allow:
                    slot_allows.append(hit)
                else:
                    denies.append(hit)
            allows.append(slot_allows)
            maybe_allows.append(slot_maybe)
        maybe = self._gates(maybe_denies, maybe_allows) if uncertain else None
        outcome = authorize(req, self._gates(denies, allows), maybe)
        return self._decision(req, outcome, uncertain)

    def _decision(
        self,
        req: PreparedRequest,
        outcome: Outcome,
        uncertain: list[tuple[Hit, CompiledStatement]],
    ) -> Decision:
        if outcome.result != "Depends":
            return Decision(
                outcome.result, outcome.deciding, outcome.reasons, lambda: self._near_misses(req)
            )
        conditional = [NearMiss(hit, tuple(unknown_elements(cs, req))) for hit, cs in uncertain]
        depends_on = tuple(sorted({k for n in conditional for k in n.unknown_keys}))
        assert outcome.possible is not None
        low, high = outcome.possible
        head = f"depends on {', '.join(depends_on)}: {low} or {high}, as the real request says"
        return Decision(
            "Depends",
            outcome.deciding,
            [head, *outcome.reasons],
            lambda: self._near_misses(req),
            depends_on=depends_on,
            possible=outcome.possible,
            conditional=conditional,
        )

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
        """Statements whose action (and principal) matched but that did not apply: a
        Resource variable the request lacks, or failed clauses on a matching resource."""
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
                unmet = unmet_elements(cs, req)
                if not unmet:
                    continue
                if not any("element" in u for u in unmet) and not resource_applies(cs, req):
                    continue
                hit = Hit(
                    slot.layer, name, cs.statement.label, cs.statement.effect, slot.level, kind
                )
                out.append(NearMiss(hit, tuple(unmet)))
        return out

    def evaluate_many(self, requests: Sequence[Request]) -> list[Decision]:
        return [self.evaluate(r) for r in requests]
