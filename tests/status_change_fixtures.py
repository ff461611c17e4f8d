"""Status changes made the way a delegate makes them: a connection-test task submitted,
claimed by a registered delegate and finished with the outcome it posts.

:func:`post_outcome` works on any server-side AppContext (a test's in-process "server" or
one on a running server's store): it registers a fresh delegate each time (so a test
clock moved on never leaves it silent), then submits, claims and finishes one task.
"""

from __future__ import annotations

import uuid

from awsconn.model import EntityRef
from awsconn.model.results import ConnectionTestOutcome, Failure, Identity
from awsconn.service import delegates, task_submit, tasks
from awsconn.service.access import LOCAL_OWNER
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_delegate_token

__all__ = ["TAG", "connector_yaml", "post_outcome"]

TAG = "watch"


def connector_yaml(identifier: str, org: str | None = None) -> str:
    """An InheritFromDelegate connector run by delegates tagged :data:`TAG`."""
    scope = f"  orgIdentifier: {org}\n" if org else ""
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n{scope}  type: Aws\n"
        "  spec:\n    credential:\n      type: InheritFromDelegate\n      region: us-east-1\n"
        f"    delegateSelectors:\n      - {TAG}\n    executeOnDelegate: true\n"
    )


def post_outcome(
    server: AppContext,
    ref: EntityRef,
    status: str,
    *,
    code: str | None = None,
    message: str = "the call failed",
) -> None:
    """A delegate tests ``ref`` and posts ``status`` (with an error ``code`` when given)."""
    owner = server.for_request(LOCAL_OWNER)
    name = f"d-{uuid.uuid4().hex[:10]}"
    token = create_delegate_token(owner, name=name).token
    dctx = server.for_request(authenticate(server.runtime, token))
    kinds = ["connection-test", "identity:InheritFromDelegate"]
    info = delegates.register(dctx, name=name, tags=[TAG], capabilities=kinds, version="1.0.0")
    task = task_submit.submit(owner, "connection-test", ref)
    assert task.state == "queued", task
    claimed = tasks.claim(dctx, info.id, wait_s=0)
    assert claimed is not None
    outcome = ConnectionTestOutcome(
        connector=str(ref),
        status=status,  # type: ignore[arg-type]
        identity=Identity(),
        region="us-east-1",
        tested_at=server.clock(),
        duration_ms=5,
        errors=[Failure(code=code, message=message)] if code else [],
    )
    tasks.finish(dctx, info.id, claimed.task.id, claimed.task.attempt, result=outcome)
    delegates.disconnect(dctx, info.id)
