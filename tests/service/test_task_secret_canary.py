"""A ManualConfig connector's secret reaches the one delegate that runs its task, and
nothing else: no row of any table, no log line, no repr.

The delegate posts outcomes that carry the secret back in several spellings (a careless
agent, an AWS error echoing a header); the server masks them before storing. A
credentials task's result is the credentials: stored sealed, opened for the caller.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from delegate_fixtures import ACCESS_KEY, SECRET_KEY, add_connector, start_delegate
from sqlalchemy import select

from awsconn.model.results import AwsCredentials, ConnectionTestOutcome, Failure, Identity
from awsconn.service import task_submit, tasks
from awsconn.service.context import AppContext
from awsconn.service.task_payloads import spec_of_payload
from awsconn.store.tables import metadata

CANARIES = (SECRET_KEY, ACCESS_KEY)


def _every_stored_value(ctx: AppContext) -> list[str]:
    out: list[str] = []
    with ctx.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        out.append(bytes(value).decode("latin-1"))
                    else:
                        out.append(repr(value))
    return out


def test_a_task_secret_reaches_only_its_delegate(
    server: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = add_connector(server, "prod", credential="ManualConfig", selectors=())
    d = start_delegate(server, capabilities=["connection-test", "credentials"])

    test = task_submit.submit(server, "connection-test", ref)
    claimed = tasks.claim(d.ctx, d.id, wait_s=0)
    assert claimed is not None and claimed.task.id == test.id
    keys = claimed.session.static_keys
    assert keys is not None and (keys.access_key_id, keys.secret_access_key) == CANARIES[::-1]
    spec = spec_of_payload(claimed.session)  # what the delegate runs with
    assert spec.static_keys is not None and spec.static_keys.secret_access_key == SECRET_KEY
    assert SECRET_KEY in str(claimed.wire())  # sent to this delegate, and only in the wire
    for shown in (repr(claimed), str(claimed), repr(claimed.session)):
        assert not any(c in shown for c in CANARIES), shown
    assert SECRET_KEY not in repr(spec)  # the spec shows the key id, as it always has

    leaked = f"bad header {SECRET_KEY!r} for {quote(SECRET_KEY, safe='')} and {ACCESS_KEY}"
    outcome = ConnectionTestOutcome(
        connector="prod",
        status="FAILURE",
        identity=Identity(),
        region="us-east-1",
        tested_at=server.clock(),
        duration_ms=12,
        errors=[Failure(code="INVALID_CREDENTIALS", message=leaked, hint=SECRET_KEY)],
    )
    done = tasks.finish(d.ctx, d.id, test.id, 1, result=outcome)
    assert done.state == "succeeded" and isinstance(done.result, ConnectionTestOutcome)
    assert done.result.errors is not None and "***" in done.result.errors[0].message
    again = tasks.finish(d.ctx, d.id, test.id, 1, result=outcome)  # posted twice: harmless
    assert again == done

    creds = task_submit.submit(server, "credentials", ref)
    claimed = tasks.claim(d.ctx, d.id, wait_s=0)
    assert claimed is not None and claimed.task.id == creds.id
    issued = AwsCredentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)
    tasks.finish(d.ctx, d.id, creds.id, 1, result=issued)
    assert tasks.get(server, creds.id).result == issued  # opened for connector:access

    failed = task_submit.submit(server, "credentials", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    tasks.finish(d.ctx, d.id, failed.id, 1, error=Failure(code="AWS_ERROR", message=leaked))

    stored = _every_stored_value(server)
    assert any("INVALID_CREDENTIALS" in v for v in stored)  # the history row is there
    for canary in CANARIES:
        assert not [v for v in stored if canary in v or quote(canary, safe="") in v]
        assert canary not in caplog.text
