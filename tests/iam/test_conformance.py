"""Every plain-evaluation case of the iam-simulate suite (read at test time from
``../shared/conformance/iam-simulate/cases`` or $AWSCONN_CONFORMANCE_DIR) must get
its ``expected.response``; a per-file passed/failed summary prints at the end."""

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


def test_summary() -> None:
    """Runs last in this module: prints passed/failed per file (with -s or in -rA output)."""
    if not RESULTS:
        pytest.skip("no conformance case ran")
    total = collections.Counter[str]()
    lines = []
    for file_id in sorted(RESULTS):
        c = RESULTS[file_id]
        total.update(c)
        lines.append(f"{file_id}: {c['passed']} passed, {c['failed']} failed")
    lines.append(f"TOTAL: {total['passed']} passed, {total['failed']} failed of {len(CASES)}")
    print("\n" + "\n".join(lines))
