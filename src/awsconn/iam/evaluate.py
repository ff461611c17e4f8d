"""Does one statement apply to a request, and if not, why.

Action (case-insensitive), resource (case-sensitive, segment-aware), principal
(resource-based layers only) and conditions must all match; the ``Not`` forms invert
their element. Three answers: ``True``, ``False``, and ``None`` (uncertain: it applies
or not depending on a key the request leaves unknown). The layers are combined by
:func:`awsconn.iam.combine.combine`.

A Resource/NotResource that needs a policy variable the request cannot resolve makes
the statement not apply at all (AWS: an unresolvable variable "might cause the entire
statement to be invalid"): otherwise a ``NotResource`` with ``${aws:username}`` would,
for a caller without a user name, allow or deny every other resource.
"""

from __future__ import annotations

from typing import Any

from awsconn.iam.compile import CompiledStatement, PrincipalMatcher
from awsconn.iam.globs import covers, intersects
from awsconn.iam.request import PreparedRequest, Principal

__all__ = [
    "action_matches",
    "conditions_apply",
    "principal_match",
    "resource_applies",
    "statement_applies",
    "statement_principal",
    "unknown_elements",
    "unmet_elements",
]


def action_matches(cs: CompiledStatement, req: PreparedRequest) -> bool:
    hit = cs.actions.matches(req.action, req.service, req.name)
    return not hit if cs.action_negated else hit


def resource_applies(cs: CompiledStatement, req: PreparedRequest) -> bool | None:
    """Resource/NotResource. A statement without either (trust policies) matches any resource.

    A request for ``*`` (or a wildcard ARN) names a set of resources: see
    :func:`_pattern_request`. A wildcard-only action's request is the literal ``*``,
    which only the pattern ``*`` matches.
    """
    matcher = cs.resources
    if matcher is None:
        return True
    if matcher.dynamic:
        if matcher.missing(req.context, req.unknown_keys) is not None:
            return False
        if req.unknown_keys and matcher.unknown_variables(req.unknown_keys):
            return None
    if req.resource_is_pattern:
        return _pattern_request(cs, req)
    hit = matcher.matches(req.resource, req.context)
    return not hit if cs.resource_negated else hit


def _pattern_request(cs: CompiledStatement, req: PreparedRequest) -> bool:
    """The request names a set of resources: an Allow applies if it may cover some of
    them, a Deny only if it covers all of them (a partial overlap denies nothing)."""
    assert cs.resources is not None
    if cs.resources.any:  # "*" covers and intersects every request
        return not cs.resource_negated
    wanted = req.resource if req.resource != "*" else f"arn:*:{req.service}:*"
    globs = cs.resources.globs(req.context)
    if cs.resource_negated:
        if cs.allow:
            return not any(covers(g, wanted) for g in globs)
        return not any(intersects(g, wanted) for g in globs)
    if cs.allow:
        return any(intersects(g, wanted) for g in globs)
    return any(covers(g, wanted) for g in globs)


def conditions_apply(cs: CompiledStatement, req: PreparedRequest) -> bool | None:
    """All clauses hold (``True``), one fails (``False``), or none fails but one is unknown."""
    context = req.context
    unknown = req.unknown_keys
    if not unknown:
        return all(cond.check(context) for cond in cs.conditions)
    uncertain = False
    for cond in cs.conditions:
        if cond.unknown(unknown):
            uncertain = True
        elif not cond.check(context):
            return False
    return None if uncertain else True


def statement_applies(cs: CompiledStatement, req: PreparedRequest) -> bool | None:
    """Resource and conditions (the action was matched when the statement was picked)."""
    resource = resource_applies(cs, req)
    if resource is False:
        return False
    conditions = conditions_apply(cs, req) if cs.conditions else True
    if conditions is False:
        return False
    return None if resource is None or conditions is None else True


def unmet_elements(cs: CompiledStatement, req: PreparedRequest) -> list[dict[str, Any]]:
    """Why a statement whose action and resource pattern fit did not apply: a variable of
    its Resource/NotResource that the request lacks, and its failed clauses."""
    out: list[dict[str, Any]] = []
    matcher = cs.resources
    if matcher is not None and matcher.dynamic:
        var = matcher.missing(req.context, req.unknown_keys)
        if var is not None:
            element = "NotResource" if cs.resource_negated else "Resource"
            out.append(
                {
                    "element": element,
                    "key": var.name,
                    "values": list(matcher.patterns),
                    "missingKey": True,
                    "message": f"{element} needs ${{{var.name}}}, which the request does not "
                    "have: the statement does not apply",
                }
            )
    for cond in cs.conditions:
        if not cond.unknown(req.unknown_keys) and not cond.check(req.context):
            out.append(cond.explain(req.context))
    return out


def unknown_elements(cs: CompiledStatement, req: PreparedRequest) -> list[dict[str, Any]]:
    """The parts of an uncertain statement that depend on unknown keys."""
    out: list[dict[str, Any]] = []
    unknown = req.unknown_keys
    matcher = cs.resources
    if matcher is not None:
        for var in matcher.unknown_variables(unknown):
            out.append(
                {
                    "element": "NotResource" if cs.resource_negated else "Resource",
                    "key": var.name,
                    "values": list(matcher.patterns),
                    "missingKey": False,
                    "unknownKey": True,
                }
            )
    for cond in cs.conditions:
        if cond.unknown(unknown):
            entry = cond.explain(req.context, unknown=True)
            entry["unknownKeys"] = cond.unknown_names(unknown)
            out.append(entry)
    return out


def _aws_match(values: frozenset[str], p: Principal) -> str | None:
    """How ``values`` name the caller; account and role ARNs in the caller's partition."""
    if p.text in values:
        return "principal"
    best: str | None = None
    iam = f"arn:{p.partition}:iam::{p.account}:"
    for value in values:
        if p.account and (value == p.account or value == f"{iam}root"):
            best = best or "account"
        elif (
            p.kind == "session"
            and p.role_name
            and value.startswith(f"{iam}role/")
            and value.rsplit("/", 1)[-1] == p.role_name
        ):
            best = "role"
    return best


def principal_match(matcher: PrincipalMatcher, p: Principal) -> str | None:
    """How a principal element names the caller: ``public`` (``*``), ``principal`` (its own
    ARN), ``role`` (the role of a session), ``account``, or ``None``."""
    if matcher.everyone:
        return "public"
    if p.kind == "anonymous" or p.text is None:
        return None
    if p.kind == "service":
        return "principal" if p.text.lower() in matcher.service else None
    if p.text in matcher.federated or p.text in matcher.canonical:
        return "principal"
    return _aws_match(matcher.aws, p) if matcher.aws else None


def statement_principal(cs: CompiledStatement, p: Principal) -> str | None:
    """The principal match of a statement in a resource-based layer; ``None`` = not applicable."""
    matcher = cs.principals
    if matcher is None:
        return None
    kind = principal_match(matcher, p)
    if cs.principal_negated:
        return "public" if kind is None else None
    return kind
