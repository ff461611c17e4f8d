"""Simulation cases (the iam-simulate JSON format) to a :class:`PolicySet` and a
:class:`Request`, and the loop that runs them; used by ``awsconn policy simulate`` and
the conformance test.

A case is user input: a wrong shape is an :class:`InvalidInput` naming the field
(``request.context.aws:SourceIp``, ``identityPolicies[0].Statement[1].Resource``), never
a crash. Beyond the reference format a request may list ``unknownKeys`` (condition
keys whose value is unknown) and ``expected.response`` may be ``Depends``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from awsconn.errors import AwsconnError, InvalidInput, Problem, ValidationFailed
from awsconn.iam.compile import CompiledPolicy, compile_policy
from awsconn.iam.kinds import LAYER_KINDS
from awsconn.iam.policy_json import check_json, load_json, shown
from awsconn.iam.policyset import PolicySet
from awsconn.iam.request import Request

__all__ = [
    "RESPONSES",
    "case_expected",
    "case_policy_set",
    "case_request",
    "parse_cases",
    "run_cases",
]

RESPONSES = ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Depends")


def case_request(case: Mapping[str, Any]) -> Request:
    """``request`` of a case (see :meth:`Request.from_case`)."""
    return Request.from_case(case.get("request"), "request")


def _policy(document: Any, path: str, layer: str) -> CompiledPolicy:
    """One policy of a case, compiled for its layer; problems carry the case path."""
    try:
        return compile_policy(document, path, kind=LAYER_KINDS[layer])
    except ValidationFailed as exc:
        problems = [
            Problem(f"{path}.{p.path}" if p.path else path, p.message, p.given, p.allowed)
            for p in exc.problems
        ]
        raise ValidationFailed(problems, what="case") from None


def _list(case: Mapping[str, Any], field: str) -> list[Any]:
    value = case.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{field}: must be a list of policies")
    return value


def _policies(case: Mapping[str, Any], field: str, layer: str) -> list[CompiledPolicy]:
    return [_policy(p, f"{field}[{i}]", layer) for i, p in enumerate(_list(case, field))]


def _levels(case: Mapping[str, Any], field: str, layer: str) -> list[list[CompiledPolicy]] | None:
    if case.get(field) is None:
        return None
    levels: list[list[CompiledPolicy]] = []
    for i, level in enumerate(_list(case, field)):
        policies = level.get("policies", []) if isinstance(level, Mapping) else None
        if not isinstance(policies, list):
            raise InvalidInput(f'{field}[{i}]: must be {{"policies": [...]}} (one org level)')
        levels.append(
            [_policy(p, f"{field}[{i}].policies[{j}]", layer) for j, p in enumerate(policies)]
        )
    return levels


def case_policy_set(case: Mapping[str, Any]) -> PolicySet:
    """Every policy of a case; AWS's allow-all RCP is implied by :class:`PolicySet` itself.
    Policies are named by their place in the case (``identityPolicies[0]``)."""
    endpoints = case.get("endpointPolicies")
    resource = case.get("resourcePolicy")
    session = case.get("sessionPolicy")
    return PolicySet(
        identity=_policies(case, "identityPolicies", "identity"),
        boundaries=_policies(case, "permissionBoundaries", "boundary"),
        scps=_levels(case, "serviceControlPolicies", "scp"),
        rcps=_levels(case, "resourceControlPolicies", "rcp"),
        resource_policy=None
        if resource is None
        else _policy(resource, "resourcePolicy", "resource"),
        session_policy=None if session is None else _policy(session, "sessionPolicy", "session"),
        endpoint_policies=None
        if endpoints is None
        else _policies(case, "endpointPolicies", "endpoint"),
    )


def case_expected(case: Mapping[str, Any]) -> str | None:
    """``expected.response``, one of :data:`RESPONSES`, or ``None`` when not given."""
    expected = case.get("expected")
    if expected is None or (isinstance(expected, Mapping) and "response" not in expected):
        return None
    response = expected.get("response") if isinstance(expected, Mapping) else None
    if response not in RESPONSES:
        raise InvalidInput(
            f"expected.response: must be one of {', '.join(RESPONSES)} (given {shown(response)!r})"
        )
    return response if isinstance(response, str) else None


def parse_cases(text: str) -> list[Any]:
    """A JSON array of cases, or JSON lines (one case per line)."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = load_json(stripped, what="cases")
        return data if isinstance(data, list) else [data]
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            out.append(load_json(line, what=f"cases line {n}"))
    return out


def run_cases(cases: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Decide each case: one result per case, ``{"name", ...decision, "pass"}`` or
    ``{"name", "error"}`` for a case that cannot be decided (bad input, named)."""
    for index, case in enumerate(cases):
        name = case.get("name", f"#{index}") if isinstance(case, Mapping) else f"#{index}"
        line: dict[str, Any] = {"name": name if isinstance(name, str) else f"#{index}"}
        try:
            if not isinstance(case, Mapping):
                raise InvalidInput("a case must be a JSON object")
            shape = check_json(case)
            if shape is not None:
                raise ValidationFailed([shape], what="case")
            expected = case_expected(case)
            decision = case_policy_set(case).evaluate(case_request(case))
        except AwsconnError as exc:
            line["error"] = exc.to_dict()
            yield line
            continue
        line.update(decision.to_dict())
        if expected is not None:
            line["pass"] = decision.result == expected
        yield line
