"""Load the iam-simulate conformance cases (test data read at test time, never copied)
and turn one case into a :class:`PolicySet` and a :class:`Request`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from awsconn.iam import PolicySet, Request

ENV_VAR = "AWSCONN_CONFORMANCE_DIR"


def cases_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return (
        Path(__file__).resolve().parents[2].parent
        / "shared"
        / "conformance"
        / "iam-simulate"
        / "cases"
    )


def load_cases(root: Path) -> list[tuple[str, int, dict[str, Any]]]:
    """Every case without a ``simulation`` key, as (file relative to root, index, case)."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        for i, case in enumerate(json.loads(path.read_text())):
            if "simulation" not in case:
                out.append((rel, i, case))
    return out


def principal_of(raw: Any) -> str | None:
    if isinstance(raw, dict):  # {"type": "Anonymous"}
        return None
    return str(raw)


def build(case: dict[str, Any]) -> tuple[PolicySet, Request]:
    """The case as the engine's input; AWS's allow-all RCP is implied by PolicySet itself."""
    r = case["request"]
    scps = case.get("serviceControlPolicies")
    rcps = case.get("resourceControlPolicies")
    ps = PolicySet(
        identity=case.get("identityPolicies", []),
        boundaries=case.get("permissionBoundaries", []),
        scps=None if scps is None else [level["policies"] for level in scps],
        rcps=None if rcps is None else [level["policies"] for level in rcps],
        resource_policy=case.get("resourcePolicy"),
        session_policy=case.get("sessionPolicy"),
        endpoint_policies=case.get("endpointPolicies"),
    )
    request = Request(
        principal=principal_of(r.get("principal")),
        action=r["action"],
        resource=r["resource"]["resource"],
        resource_account=r["resource"].get("accountId"),
        context=r.get("context") or {},
        wildcard_only=bool(r.get("wildcardOnlyAction", False)),
    )
    return ps, request
