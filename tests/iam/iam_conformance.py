"""Locate and load the iam-simulate conformance cases (test data read at test time,
never copied into the repository)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from awsconn.iam import PolicySet, Request
from awsconn.iam.cases import case_policy_set, case_request

ENV_VAR = "AWSCONN_CONFORMANCE_DIR"


_RELATIVE = Path("shared") / "conformance" / "iam-simulate" / "cases"


def cases_dir() -> Path:
    """$AWSCONN_CONFORMANCE_DIR, else ``shared/conformance/iam-simulate/cases`` beside the
    repository or beside one of its parents (a worktree sits one level deeper than main)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    for parent in repo.parents:
        if (parent / _RELATIVE).is_dir():
            return parent / _RELATIVE
    return repo.parent / _RELATIVE


def load_cases(root: Path) -> list[tuple[str, int, dict[str, Any]]]:
    """Every case without a ``simulation`` key, as (file relative to root, index, case)."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        for i, case in enumerate(json.loads(path.read_text())):
            if "simulation" not in case:
                out.append((rel, i, case))
    return out


def build(case: dict[str, Any]) -> tuple[PolicySet, Request]:
    """The case as the reference engine reads it. Its requests carry no IAM action data:
    an action is wildcard-only only when the case says so (``wildcardOnlyAction``), so a
    case without the flag is decided as not wildcard-only (requestWildcards.json:8 asks
    ec2:DescribeInstances, wildcard-only in the action data, on a request for "some
    instance"). awsconn's own default, the action data, is pinned by
    tests/iam/test_wildcard_only_actions.py."""
    request = dict(case["request"])
    request.setdefault("wildcardOnlyAction", False)
    return case_policy_set(case), case_request({**case, "request": request})
