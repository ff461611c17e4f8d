"""An AppContext on ``db_url`` (both engines) with the test clock, and callers to act as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn.model import Scope
from awsconn.service.access import Caller, Role
from awsconn.service.context import AppContext
from store_fixtures import FakeClock


@pytest.fixture
def auth_warnings() -> list[str]:
    """What ``auth_ctx`` warned about."""
    return []


@pytest.fixture
def auth_ctx(
    db_url: str, tmp_path: Path, store_clock: FakeClock, auth_warnings: list[str]
) -> Iterator[AppContext]:
    """The local store's owner on a fresh database; set ``ctx.caller`` to act as another."""
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    ctx = AppContext(environ=environ, clock=store_clock, warn=auth_warnings.append)
    try:
        yield ctx
    finally:
        ctx.close()


def caller(role: Role, org: str | None = None, project: str | None = None) -> Caller:
    return Caller(name=f"{role.value}-{org or 'account'}", role=role, scope=Scope(org, project))
