"""The combining rule: from the statements that apply in each layer to one decision.

:func:`combine` is the one place the rule lives (AWS IAM User Guide, "Policy evaluation
logic" and its cross-account page; Organizations SCP/RCP evaluation): explicit deny
wins; every SCP level and VPC endpoint policy must allow; then identity-based and
resource-based allows by account and principal type. It returns the result with the
statements that made it and the reasons, as data. :func:`authorize` applies it twice
when some statements are uncertain (they depend on keys the request leaves unknown):
the rule allows more with more allows and less with more denies, so deciding with the
uncertain statements against the request and for it bounds every possible answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from awsconn.iam.explain import Hit, Result
from awsconn.iam.request import PreparedRequest

__all__ = ["Gates", "Outcome", "Verdict", "authorize", "combine"]


class Gates:
    """What each layer said: the denies that apply, and per layer the allows that apply
    (``None`` = the layer is absent; an empty list = present and allowing nothing)."""

    __slots__ = ("boundary", "denies", "endpoint", "identity", "resource", "scp_levels", "session")

    def __init__(
        self,
        denies: list[Hit],
        identity: list[Hit],
        boundary: list[Hit] | None = None,
        session: list[Hit] | None = None,
        resource: list[Hit] | None = None,
        scp_levels: list[list[Hit]] | None = None,
        endpoint: list[list[Hit]] | None = None,
    ) -> None:
        self.denies = denies
        self.identity = identity
        self.boundary = boundary
        self.session = session
        self.resource = resource
        self.scp_levels = scp_levels
        self.endpoint = endpoint

    def fields(
        self,
    ) -> tuple[
        list[Hit],
        list[Hit],
        list[Hit] | None,
        list[Hit] | None,
        list[Hit] | None,
        list[list[Hit]] | None,
        list[list[Hit]] | None,
    ]:
        """The gates in :func:`combine`'s argument order."""
        return (
            self.denies,
            self.identity,
            self.boundary,
            self.session,
            self.resource,
            self.scp_levels,
            self.endpoint,
        )

    def with_denies(self, more: list[Hit]) -> Gates:
        """These gates with more denies (the pessimistic view of uncertain denies)."""
        return Gates(
            [*self.denies, *more],
            self.identity,
            self.boundary,
            self.session,
            self.resource,
            self.scp_levels,
            self.endpoint,
        )

    def with_allows(self, more: Gates) -> Gates:
        """These gates with ``more``'s allows added layer by layer (the optimistic view)."""

        def add(a: list[Hit] | None, b: list[Hit] | None) -> list[Hit] | None:
            return None if a is None else [*a, *(b or ())]

        def add_levels(
            a: list[list[Hit]] | None, b: list[list[Hit]] | None
        ) -> list[list[Hit]] | None:
            if a is None:
                return None
            extra = b or [[] for _ in a]
            return [[*x, *y] for x, y in zip(a, extra, strict=True)]

        return Gates(
            self.denies,
            [*self.identity, *more.identity],
            add(self.boundary, more.boundary),
            add(self.session, more.session),
            add(self.resource, more.resource),
            add_levels(self.scp_levels, more.scp_levels),
            add_levels(self.endpoint, more.endpoint),
        )


Verdict = tuple[Result, list[Hit], list[str]]
"""What :func:`combine` decided: the result, the statements that made it, the reasons.
(A plain tuple: one is built per decision.)"""


@dataclass(frozen=True)
class Outcome:
    """What :func:`authorize` decided; ``possible`` is (pessimistic, optimistic) for
    ``Depends`` and ``None`` for a definite result."""

    result: Result
    deciding: list[Hit]
    reasons: list[str]
    possible: tuple[Result, Result] | None = None


_READ_PREFIXES = ("get", "list", "generate", "simulate")
_IDENTITY_ALLOWS = "an identity-based policy allows"
_ORG_LAYERS = frozenset({"scp", "identity", "boundary", "session"})


def _protected_iam_resource(req: PreparedRequest) -> bool:
    """AWS-managed policies and roles under /aws-reserved/ can only be read, whatever is allowed."""
    if req.service != "iam" or req.name.startswith(_READ_PREFIXES):
        return False
    res = req.resource
    return (res.startswith("arn:") and ":iam::aws:policy/" in res) or ":role/aws-reserved/" in res


def _protected_kms_alias(req: PreparedRequest) -> bool:
    """AWS-managed KMS aliases (alias/aws/...) cannot be created, changed or deleted."""
    return (
        req.service == "kms"
        and ":alias/aws/" in req.resource
        and req.name in ("createalias", "deletealias", "updatealias")
    )


def _needs_resource_allow(req: PreparedRequest) -> str | None:
    """Resources whose own policy must allow: KMS keys (key policy) and roles (trust policy)."""
    if req.service == "kms" and ":key/" in req.resource:
        return "a KMS key policy must allow the request (AWS: key policies are required)"
    if req.service == "sts" and req.name.startswith("assumerole") and ":role/" in req.resource:
        return "a role's trust policy must allow sts:AssumeRole*"
    return None


_NO_RESOURCE_NOTE = "a resource-based policy does not apply to an action without a resource"


def _notes(req: PreparedRequest, denies: list[Hit], resource: list[Hit] | None) -> list[str]:
    """What a wildcard-only action's decision adds to its reasons."""
    if not req.wildcard_only:
        return []
    notes = [req.wildcard_note]
    if req.request.resource != "*":
        notes.append(f"the request's resource {req.request.resource} is not used")
    if resource or any(d.layer == "resource" for d in denies):
        notes.append(_NO_RESOURCE_NOTE)
    return notes


def combine(
    req: PreparedRequest,
    denies: list[Hit],
    identity: list[Hit],
    boundary: list[Hit] | None = None,
    session: list[Hit] | None = None,
    resource: list[Hit] | None = None,
    scp_levels: list[list[Hit]] | None = None,
    endpoint: list[list[Hit]] | None = None,
) -> Verdict:
    """The combining rule (see the module doc) over the layers' :class:`Gates` (passed
    as arguments: one call per decision): the decision, the statements that made it
    (the denies, or the allows that counted) and the reasons in words."""
    special = req.special  # sts, iam, kms: the rules below that look at the resource
    if special and req.action == "sts:getcalleridentity":
        return (
            "Allowed",
            [],
            ["sts:GetCallerIdentity needs no permission (AWS: it cannot be denied)"],
        )
    p = req.principal
    identity_side = p.identity_side
    all_denies = denies
    if denies and (not identity_side or req.wildcard_only):
        # SCPs, boundaries and session policies bind IAM principals of the organization
        # only; a resource-based policy has nothing to say about an action on no resource.
        denies = [
            d
            for d in denies
            if (identity_side or d.layer not in _ORG_LAYERS)
            and not (req.wildcard_only and d.layer == "resource")
        ]
    if denies:
        return (
            "ExplicitlyDenied",
            denies,
            ["an explicit Deny applies", *_notes(req, all_denies, resource)],
        )
    if special:
        if _protected_iam_resource(req):
            return ("ImplicitlyDenied", [], ["AWS-managed IAM resources are read-only"])
        if _protected_kms_alias(req):
            return ("ImplicitlyDenied", [], ["AWS-managed KMS aliases cannot be changed"])
    used: list[Hit] = []
    if scp_levels is not None and identity_side:
        for level, allows in enumerate(scp_levels):
            if not allows:
                reason = f"no SCP at organization level {level} allows the action"
                return ("ImplicitlyDenied", [], [reason, *_notes(req, all_denies, resource)])
            used.append(allows[0])
    if endpoint is not None:
        for i, allows in enumerate(endpoint):
            if not allows:
                reason = f"VPC endpoint policy {i} does not allow the request"
                return ("ImplicitlyDenied", [], [reason, *_notes(req, all_denies, resource)])
            used.append(allows[0])

    boundary_ok = boundary is None or bool(boundary)
    session_ok = session is None or bool(session)
    identity_ok = identity_side and bool(identity) and boundary_ok and session_ok
    rp = resource if resource and not req.wildcard_only else []
    first: str | None = None  # the reason an identity allow was not enough

    if (p.account is not None and p.account == req.resource_account) or not identity_side:
        if rp:
            by_kind = {h.principal_match: h for h in rp}
            public = by_kind.get("public")
            if public is not None:
                return (
                    "Allowed",
                    [*used, public],
                    ["a resource-based policy allows every principal"],
                )
            direct = by_kind.get("principal")
            # AWS: a grant to a user ARN is not limited by the user's boundary; a grant to a
            # session ARN is limited by the session policy only; a grant to a role ARN is
            # limited by both the boundary and the session policy.
            if direct is not None:
                granted = [*used, direct]
                if p.kind in ("user", "root", "service", "anonymous", "federated"):
                    reason = "a resource-based policy allows this principal"
                    return ("Allowed", granted, [reason])
                if p.kind == "session" and session_ok:
                    reason = "a resource-based policy allows this session"
                    return ("Allowed", granted, [reason])
                if p.kind in ("role", "other") and boundary_ok and session_ok:
                    return ("Allowed", granted, ["a resource-based policy allows the role"])
            role = by_kind.get("role")
            if role is not None and boundary_ok and session_ok:
                reason = "a resource-based policy allows the session's role"
                return ("Allowed", [*used, role], [reason])
        if identity_ok:
            first = _needs_resource_allow(req) if special else None
            if first is None or rp:
                deciding = [*used, identity[0], *rp[:1]] if used or rp else [identity[0]]
                if req.wildcard_only:
                    return (
                        "Allowed",
                        deciding,
                        [_IDENTITY_ALLOWS, *_notes(req, all_denies, resource)],
                    )
                return ("Allowed", deciding, [_IDENTITY_ALLOWS])
    elif identity_ok and rp:
        return (
            "Allowed",
            [*used, identity[0], rp[0]],
            ["cross-account: both the identity-based and the resource-based policy allow"],
        )
    elif identity_ok:
        first = "cross-account: no resource-based policy allows this principal"
    elif rp:
        first = "cross-account: no identity-based policy allows"
    reasons = [] if first is None else [first]
    if identity_side and not identity:
        reasons.append("no identity-based policy allows the action")
    if boundary is not None and not boundary:
        reasons.append("no permissions boundary allows the action")
    if session is not None and not session:
        reasons.append("the session policy does not allow the action")
    if not reasons:
        reasons.append("no policy allows the action")
    if req.wildcard_only:
        reasons += _notes(req, all_denies, resource)
    return ("ImplicitlyDenied", [], reasons)


def authorize(req: PreparedRequest, certain: Gates, uncertain: Gates | None = None) -> Outcome:
    """The decision given the statements that apply (``certain``) and those that apply
    only if unknown keys go one way (``uncertain``: its allows and denies).

    Decided twice, pessimistically (uncertain denies apply, uncertain allows do not) and
    optimistically (the opposite). Equal results are the answer (reported from the run
    that reached it against the unknowns' favour); otherwise the result is ``Depends``
    with ``possible`` = (pessimistic, optimistic), the reasons of both runs and no
    deciding statements (nothing decided; the uncertain ones are the caller's to list).
    """
    if uncertain is None:
        return Outcome(*combine(req, *certain.fields()))
    low = combine(req, *certain.with_denies(uncertain.denies).fields())
    high = combine(req, *certain.with_allows(uncertain).fields())
    if low[0] == high[0]:
        return Outcome(*(low if low[0] == "Allowed" else high))
    reasons = [f"if they go against it: {r}" for r in low[2]]
    reasons += [f"if they go for it: {r}" for r in high[2]]
    return Outcome("Depends", [], reasons, (low[0], high[0]))
