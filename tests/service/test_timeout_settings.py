"""Every use case that talks to AWS checks its timeout once, by one rule per operation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from awsconn.errors import InvalidInput
from awsconn.model import parse_ref
from awsconn.service import connection, connectivity, connectors, secrets
from awsconn.service.context import AppContext
from awsconn.timeouts import CREDENTIALS_TIMEOUT, TEST_TIMEOUT

DOC = (
    "connector:\n  name: c\n  identifier: c\n  type: Aws\n  spec:\n    credential:\n"
    "      type: ManualConfig\n      spec:\n        accessKey: AKIATIMEOUTS00000001\n"
    "        secretKeyRef: sk\n      region: us-east-1\n    delegateSelectors: []\n"
)
REF = parse_ref("c")
USES: dict[str, Callable[[AppContext, float], Any]] = {
    "test": lambda ctx, t: connectivity.run_connector_test(ctx, REF, timeout_s=t),
    "test all": lambda ctx, t: connectivity.run_all_tests(ctx, timeout_s=t),
    "regions": lambda ctx, t: connectivity.list_regions(ctx, REF, timeout_s=t),
    "credentials": lambda ctx, t: connection.credential_process_output(ctx, REF, timeout_s=t),
    "exec": lambda ctx, t: connection.exec_environment(ctx, REF, {}, timeout_s=t),
}


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0, 0.0, 1e300])
@pytest.mark.parametrize("use", list(USES))
def test_a_timeout_that_is_not_a_usable_number_is_refused_before_any_work(
    tmp_path: Path, use: str, value: float
) -> None:
    ctx = AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})
    secrets.create(ctx, parse_ref("sk"), b"secret")
    connectors.apply_yaml(ctx, DOC, mode="create")
    with pytest.raises(InvalidInput, match=r"^timeout: .*seconds from 1 to"):
        USES[use](ctx, value)
    assert connectors.history(ctx, REF, limit=5) == []  # nothing ran, nothing stored


def test_the_rule_accepts_its_bounds_and_refuses_what_is_not_a_number() -> None:
    assert TEST_TIMEOUT.check(1) == 1.0 and TEST_TIMEOUT.check(600.0) == 600.0
    assert CREDENTIALS_TIMEOUT.check(3600) == 3600.0
    for bad in (True, "30", None, 600.5):
        with pytest.raises(InvalidInput, match="--timeout"):
            TEST_TIMEOUT.check(bad, setting="--timeout")
