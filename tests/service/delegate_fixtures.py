"""A server-side context on both engines, connectors to submit tasks for, and delegates.

``server`` is an AppContext of a server (``runs_as="server"``: work that needs a
delegate is queued) on ``db_url`` with the test clock. Delegates are real: each holds a
delegate token made by the admin and authenticated as a server would, and registers
through the service.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from awsconn.model import EntityRef, Scope
from awsconn.model.results import DelegateInfo
from awsconn.service import delegates
from awsconn.service import secrets as secret_service
from awsconn.service.access import LOCAL_OWNER, Caller
from awsconn.service.connectors import apply_yaml
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_delegate_token
from store_fixtures import FakeClock

ALL_KINDS = ("connection-test", "regions", "permission-check", "credentials")
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY0KEY"
ACCESS_KEY = "AKIAIOSFODNN7CANARY1"


@pytest.fixture
def server(db_url: str, tmp_path: Path, store_clock: FakeClock) -> Iterator[AppContext]:
    """A server's request context (the store's owner as caller) on a fresh database."""
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    ctx = AppContext(environ=environ, clock=store_clock, runs_as="server")
    try:
        yield ctx
    finally:
        ctx.close()


def add_connector(
    ctx: AppContext,
    identifier: str,
    *,
    credential: str = "InheritFromDelegate",
    selectors: Sequence[str] = ("bench",),
    execute_on_delegate: bool = True,
    org: str | None = None,
) -> EntityRef:
    """A stored connector (ManualConfig: with its two secrets made first)."""
    scope_line = f"  orgIdentifier: {org}\n" if org else ""
    if credential == "ManualConfig":
        for name, value in (("ak", ACCESS_KEY), ("sk", SECRET_KEY)):
            ref = EntityRef(Scope(org), f"{identifier}_{name}")
            secret_service.create(ctx, ref, value.encode())
        spec = (
            "      type: ManualConfig\n"
            "      spec:\n"
            f"        accessKeyRef: {identifier}_ak\n"
            f"        secretKeyRef: {identifier}_sk\n"
        )
    else:
        spec = f"      type: {credential}\n"
    selector_lines = "".join(f"      - {s}\n" for s in selectors)
    text = (
        "connector:\n"
        f"  name: {identifier}\n"
        f"  identifier: {identifier}\n" + scope_line + "  type: Aws\n"
        "  spec:\n"
        "    credential:\n" + spec + "      region: us-east-1\n"
        "    delegateSelectors:"
        + (" []\n" if not selectors else "\n" + selector_lines)
        + f"    executeOnDelegate: {'true' if execute_on_delegate else 'false'}\n"
    )
    apply_yaml(ctx, text, mode="create")
    return EntityRef(Scope(org), identifier)


@dataclass
class Delegate:
    """A registered delegate: its request context (its token's caller) and its info."""

    ctx: AppContext
    info: DelegateInfo

    @property
    def id(self) -> str:
        return self.info.id


def delegate_caller(ctx: AppContext, token_name: str = "delegates") -> Caller:
    """The caller of a new delegate token, as a server authenticates it."""
    owner = ctx.for_request(LOCAL_OWNER)
    token, _ = create_delegate_token(owner, name=token_name)
    return authenticate(ctx.runtime, token)


def start_delegate(
    ctx: AppContext,
    name: str = "d1",
    *,
    tags: Sequence[str] = ("bench",),
    capabilities: Sequence[str] | None = (*ALL_KINDS, "identity:InheritFromDelegate"),
    caller: Caller | None = None,
) -> Delegate:
    """Register a delegate (capabilities reported, no init script): connected."""
    who = caller or delegate_caller(ctx, f"token-{name}")
    dctx = ctx.for_request(who)
    info = delegates.register(
        dctx, name=name, tags=list(tags), capabilities=capabilities, version="1.0.0"
    )
    return Delegate(dctx, info)
