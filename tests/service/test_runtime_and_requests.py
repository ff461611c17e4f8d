"""What lives for the process (Runtime) is built once and shared by every request, from
any thread; a request (AppContext) is cheap and carries its caller and deadline."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from awsconn.aws.deadline import WORKERS, Deadline, DeadlinePassed
from awsconn.model import parse_ref
from awsconn.service import connectivity, connectors, secrets
from awsconn.service.access import LOCAL_OWNER, Caller, Role
from awsconn.service.context import AppContext, Runtime

DOC = (
    "connector:\n  name: c\n  identifier: c\n  type: Aws\n  spec:\n    credential:\n"
    "      type: ManualConfig\n      spec:\n        accessKey: AKIAIOSFODNN7EXAMPLE\n"
    "        secretKeyRef: sk\n      region: us-east-1\n    executeOnDelegate: false\n"
)


def test_resources_are_built_once_however_many_requests_ask_at_once(tmp_path: Path) -> None:
    runtime = Runtime({"AWSCONN_HOME": str(tmp_path / "home")}, runs_as="server")
    start = threading.Barrier(16)

    def one_request(i: int) -> tuple[object, ...]:
        ctx = AppContext(runtime=runtime, caller=Caller(f"u{i}", Role.ADMIN))
        start.wait()
        return ctx.store, ctx.secrets, ctx.sessions, ctx.master_keys, ctx.workers

    with ThreadPoolExecutor(16) as pool:
        seen = list(pool.map(one_request, range(16)))
    for i, part in enumerate(seen[0]):
        assert all(s[i] is part for s in seen)
    assert seen[0][4] is WORKERS  # one cap on abandoned work per process


def test_a_request_shares_the_runtime_and_keeps_its_own_caller(tmp_path: Path) -> None:
    local = AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})
    assert local.caller is LOCAL_OWNER and local.runs_as == "cli" and local.deadline is None
    secrets.create(local, parse_ref("sk"), b"v")
    viewer = local.for_request(Caller("v", Role.VIEWER))
    assert viewer.runtime is local.runtime and viewer.caller.name == "v"
    assert [m.ref for m in secrets.list_secrets(viewer)] == ["sk"]
    with pytest.raises(TypeError):
        AppContext(environ={}, runtime=local.runtime)


def test_a_server_lends_no_identity_whatever_its_environment_says(tmp_path: Path) -> None:
    environ = {"AWSCONN_HOME": str(tmp_path), "AWSCONN_DELEGATE_TAGS": "gpu,eks"}
    assert Runtime(environ).delegate_tags == {"gpu", "eks"}
    assert Runtime(environ, runs_as="server").delegate_tags == frozenset()
    # a delegate's agent lends its own identity through tasks, not through these tags
    assert Runtime(environ, runs_as="delegate").delegate_tags == frozenset()
    with pytest.raises(ValueError, match="runs_as"):
        Runtime(environ, runs_as="robot")  # type: ignore[arg-type]


def test_the_request_deadline_bounds_every_operation_of_the_request(tmp_path: Path) -> None:
    local = AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})
    secrets.create(local, parse_ref("sk"), b"v")
    connectors.apply_yaml(local, DOC, mode="create")
    now = [100.0]
    deadline = Deadline(5, timer=lambda: now[0])
    request = local.for_request(LOCAL_OWNER, deadline=deadline)
    assert request.budget(30) == 5 and request.budget(2) == 2
    now[0] = 105.0
    with pytest.raises(DeadlinePassed, match="request's deadline of 5 s passed"):
        connectivity.run_connector_test(request, parse_ref("c"))
    assert connectors.history(local, parse_ref("c")) == []  # nothing ran
