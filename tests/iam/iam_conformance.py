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


def cases_dir() -> Path:
    """$AWSCONN_CONFORMANCE_DIR, else ``<repo>/../shared/conformance/iam-simulate/cases``."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "conformance" / "iam-simulate" / "cases"


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
    return case_policy_set(case), case_request(case)
