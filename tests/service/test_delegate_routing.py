"""Delegates: when one counts as connected, which tasks it may take, and why not."""

from __future__ import annotations

import pytest
from auth_fixtures import caller
from delegate_fixtures import add_connector, delegate_caller, start_delegate

from awsconn.errors import Conflict, Forbidden, NotFound, ValidationFailed
from awsconn.model import parse_connector_document
from awsconn.service import delegates, task_submit, tasks
from awsconn.service.access import Role
from awsconn.service.audit import list_audit
from awsconn.service.context import AppContext
from awsconn.service.delegates import HEARTBEAT_WINDOW
from store_fixtures import FakeClock

KINDS = ["connection-test", "regions", "permission-check", "credentials"]


def test_a_delegate_is_connected_once_registered_initialised_and_capable(
    server: AppContext, store_clock: FakeClock
) -> None:
    who = delegate_caller(server)
    dctx = server.for_request(who)
    info = delegates.register(
        dctx, name="k8s-east", tags=["east", "prod"], version="1.2.3", init_script=True
    )
    assert (info.status, info.connected, info.reason) == (
        "initializing",
        False,
        "its init script has not reported yet",
    )
    assert info.token_id == who.token_id and info.capabilities is None
    with pytest.raises(Conflict, match="cannot take tasks: its init script has not reported"):
        tasks.claim(dctx, info.id, wait_s=0)
    info = delegates.report_init(dctx, info.id, exit_status=0, output_tail="installed\n")
    assert (info.status, info.reason) == ("initializing", "it has not reported its capabilities")
    info = delegates.report_init(dctx, info.id, exit_status=0, capabilities=["regions"])
    assert (info.status, info.connected, info.init_output) == ("connected", True, None)
    assert tasks.claim(dctx, info.id, wait_s=0) is None  # connected, nothing queued

    store_clock.advance(HEARTBEAT_WINDOW.total_seconds() + 1)
    [listed] = delegates.list_delegates(server)
    assert (listed.status, listed.connected) == ("silent", False)
    assert listed.reason == "no heartbeat for 61 s"
    assert tasks.heartbeat(dctx, info.id).connected  # a heartbeat brings it back
    assert delegates.list_delegates(server, connected_only=True)[0].id == info.id
    events = [(e.action, e.detail.get("tokenId")) for e in list_audit(server).events]
    assert ("delegate.register", who.token_id) in events


def test_a_failed_init_script_keeps_it_from_tasks_with_its_output(server: AppContext) -> None:
    d = start_delegate(server, capabilities=None)
    tail = "x" * 5000 + "\x1b[31merror: no aws\n"
    info = delegates.report_init(d.ctx, d.id, exit_status=3, output_tail=tail, capabilities=KINDS)
    assert (info.status, info.reason) == ("init-failed", "its init script failed (exit 3)")
    assert info.init_output is not None and info.init_output.endswith("\\x1b[31merror: no aws\n")
    assert len(info.init_output) <= 4096 + 3
    with pytest.raises(Conflict, match="init script failed"):
        tasks.claim(d.ctx, d.id, wait_s=0)


def test_a_delegate_token_acts_only_as_its_own_delegates(server: AppContext) -> None:
    mine = start_delegate(server, "mine")
    theirs = start_delegate(server, "theirs")
    for call in (
        lambda: tasks.claim(mine.ctx, theirs.id, wait_s=0),
        lambda: tasks.heartbeat(mine.ctx, theirs.id),
        lambda: delegates.report_init(mine.ctx, theirs.id, exit_status=0),
        lambda: delegates.disconnect(mine.ctx, theirs.id),
    ):
        with pytest.raises(NotFound, match="not registered with this token"):
            call()
    with pytest.raises(Forbidden):  # a delegate token reads nothing
        delegates.list_delegates(mine.ctx)
    ref = add_connector(server, "prod")
    with pytest.raises(Forbidden):
        task_submit.submit(mine.ctx, "regions", ref)
    with pytest.raises(Forbidden):  # and people do no delegate work
        delegates.register(server.for_request(caller(Role.ADMIN)), name="x", tags=[], version="1")
    viewer = server.for_request(caller(Role.VIEWER, "eng"))
    assert {d.name for d in delegates.list_delegates(viewer)} == {"mine", "theirs"}


def test_registration_input_is_checked_field_by_field(server: AppContext) -> None:
    dctx = server.for_request(delegate_caller(server))
    with pytest.raises(ValidationFailed) as info:
        delegates.register(
            dctx,
            name="Bad Name",
            tags=["ok", "", "a\nb"],
            capabilities=["regions", "rm -rf"],
            version="",
        )
    paths = [p.path for p in info.value.problems]
    assert paths == ["name", "tags[1]", "tags[2]", "capabilities[1]", "version"]
    with pytest.raises(ValidationFailed, match="tags: must be a list"):
        delegates.register(dctx, name="d", tags="east,west", version="1")  # type: ignore[arg-type]
    assert delegates.list_delegates(server) == []  # nothing half-written


def test_routing_needs_every_selector_and_the_capability(server: AppContext) -> None:
    ref = add_connector(server, "prod", selectors=("east", "prod"))
    start_delegate(server, "west", tags=["west", "prod"])
    start_delegate(server, "east-no-identity", tags=["east", "prod"], capabilities=KINDS)
    fit = start_delegate(server, "east", tags=["east", "prod", "gpu"])
    with server.db.transaction(write=False) as tx:
        stored = tx.connectors.get(org=None, project=None, identifier="prod")
    connector = parse_connector_document(stored.document)
    routing = delegates.eligible(
        connector, "regions", delegates.list_delegates(server, connected_only=True)
    )
    assert [d.id for d in routing.matching] == [fit.id]
    reasons = {r.delegate.name: r.reason() for r in routing.refused}
    assert reasons == {
        "west": "lacks tags east",
        "east-no-identity": "lacks capabilities identity:InheritFromDelegate",
    }
    task = task_submit.submit(server, "regions", ref)
    assert task.state == "queued"
    claimed = tasks.claim(fit.ctx, fit.id, wait_s=0)
    assert claimed is not None and claimed.task.id == task.id


def test_submit_fails_at_once_naming_selectors_delegates_and_what_each_lacks(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod", selectors=("east", "prod"))
    task = task_submit.submit(server, "regions", ref)
    assert task.state == "failed" and task.error is not None
    assert task.error.code == "DELEGATE_UNAVAILABLE"
    assert "delegateSelectors: east, prod" in task.error.message
    assert "no delegate is connected" in task.error.message

    west = start_delegate(server, "west", tags=["west", "prod"], capabilities=["regions"])
    start_delegate(server, "booting", tags=["east", "prod"], capabilities=None)
    task = task_submit.submit(server, "regions", ref)
    assert task.error is not None
    message = task.error.message
    assert f"west ({west.id[:8]}) lacks tags east; lacks capabilities " in message
    assert "identity:InheritFromDelegate" in message
    assert "registered but not connected: booting (it has not reported its capabilities)" in (
        message
    )
    assert tasks.claim(west.ctx, west.id, wait_s=0) is None  # a failed task is never handed out
    [event] = [e for e in list_audit(server).events if e.action == "task.regions"][:1]
    assert event.detail == {"status": "FAILED", "errorCode": "DELEGATE_UNAVAILABLE"}


def test_a_queued_task_nobody_can_run_any_more_fails_instead_of_waiting(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    store_clock.advance(10)
    assert tasks.expire_and_requeue(server).unroutable == []  # its delegate is still there
    store_clock.advance(HEARTBEAT_WINDOW.total_seconds())  # the delegate went silent
    assert tasks.expire_and_requeue(server).unroutable == [task.id]
    failed = tasks.get(server, task.id)
    assert failed.state == "failed" and failed.error is not None
    assert "registered but not connected" not in failed.error.message  # silent: not named
    assert failed.error.code == "DELEGATE_UNAVAILABLE"
    assert tasks.heartbeat(d.ctx, d.id).connected


def test_a_delegate_that_leaves_gives_its_tasks_back_at_once(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    leaving = start_delegate(server, "leaving")
    staying = start_delegate(server, "staying")
    task = task_submit.submit(server, "regions", ref)
    first = tasks.claim(leaving.ctx, leaving.id, wait_s=0)
    assert first is not None and first.task.id == task.id
    info = delegates.disconnect(leaving.ctx, leaving.id)
    assert (info.status, info.connected) == ("disconnected", False)
    again = tasks.claim(staying.ctx, staying.id, wait_s=0)
    assert again is not None and (again.task.id, again.task.attempt) == (task.id, 2)
    with pytest.raises(Conflict, match="disconnected"):
        tasks.claim(leaving.ctx, leaving.id, wait_s=0)
