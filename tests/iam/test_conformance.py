"""Every plain-evaluation case of the iam-simulate suite (read at test time from
``shared/conformance/iam-simulate/cases`` beside the repository or a parent of it, or
$AWSCONN_CONFORMANCE_DIR) must get its ``expected.response``; tests/iam/conftest.py
prints passed/failed per file at the end."""

from __future__ import annotations

import collections
from typing import Any

import pytest
from iam_conformance import ENV_VAR, build, cases_dir, load_cases

ROOT = cases_dir()
CASES = load_cases(ROOT) if ROOT.is_dir() else []
RESULTS: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

pytestmark = pytest.mark.skipif(
    not ROOT.is_dir(),
    reason=f"conformance cases not found at {ROOT} (set {ENV_VAR} to their directory)",
)


@pytest.mark.parametrize(
    "case", [c for _, _, c in CASES] or [None], ids=[f"{f}:{i}" for f, i, _ in CASES] or ["absent"]
)
def test_case(case: dict[str, Any] | None, request: pytest.FixtureRequest) -> None:
    assert case is not None
    file_id = request.node.callspec.id.rsplit(":", 1)[0]
    policy_set, req = build(case)
    decision = policy_set.evaluate(req)
    ok = decision.result == case["expected"]["response"]
    RESULTS[file_id]["passed" if ok else "failed"] += 1
    assert ok, f"{case['name']}: got {decision.result}\n{decision.explain()}"


def summary_lines() -> list[str]:
    """Passed/failed per case file, then the total (empty when no case ran)."""
    if not RESULTS:
        return []
    total = collections.Counter[str]()
    lines = []
    for file_id in sorted(RESULTS):
        c = RESULTS[file_id]
        total.update(c)
        lines.append(f"{file_id}: passed {c['passed']}, failed {c['failed']}")
    lines.append(
        f"conformance total: {total['passed']} passed, {total['failed']} failed of {len(CASES)}"
    )
    return lines
