"""Submitting a task where its work may run in this process: the use cases as the runner.

``tasks.submit`` records the task and decides where it runs; when that is here (a server
running ``executeOnDelegate: false`` work, the CLI as its own local delegate) it calls the
runner it is given. This module gives it the use cases (the connection test, regions, the
permission check, the credentials), which themselves submit through ``tasks`` when their
work needs a delegate: so ``tasks`` stays below them and this module above both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awsconn.model.results import AwsCredentials
from awsconn.service import tasks
from awsconn.service.connection import credential_process_output
from awsconn.service.connectivity import list_regions, run_connector_test
from awsconn.service.connector_permissions import check_connector

if TYPE_CHECKING:
    from awsconn.model import EntityRef
    from awsconn.model.results import Task, WireModel
    from awsconn.service.context import AppContext

__all__ = ["submit", "work_here"]


def submit(
    ctx: AppContext,
    kind: str,
    ref: EntityRef,
    params: Mapping[str, Any] | None = None,
    *,
    deadline_s: float = tasks.TASK_DEADLINE.default,
    wait_s: float = 0.0,
) -> Task:
    """``tasks.submit`` with the use cases running the work that runs here; with
    ``wait_s`` (``tasks.WAIT_TIMEOUT``'s range, checked before anything is submitted) the
    task once it has ended, or as it is after that long."""
    wait = tasks.WAIT_TIMEOUT.check(wait_s, setting="waitSeconds")
    task = tasks.submit(ctx, kind, ref, params, deadline_s=deadline_s, here=work_here)
    if wait and not task.ended:
        task = tasks.wait(ctx, task.id, wait, scope=ref.scope)
    return task


def work_here(
    ctx: AppContext, kind: str, ref: EntityRef, params: dict[str, Any], timeout: float
) -> WireModel:
    """The kind's use case, run here (its own permission check, audit and history)."""
    if kind == "connection-test":
        caps = params.get("capabilities")
        return run_connector_test(ctx, ref, capabilities=caps, timeout_s=timeout)
    if kind == "regions":
        return list_regions(ctx, ref, timeout_s=timeout)
    if kind == "permission-check":
        return check_connector(
            ctx,
            ref,
            params.get("capabilities"),
            parameters=params.get("parameters"),
            timeout_s=timeout,
        )
    return AwsCredentials.model_validate(credential_process_output(ctx, ref, timeout_s=timeout))
