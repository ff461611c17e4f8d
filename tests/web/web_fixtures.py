"""Fixtures of the web UI tests: an AppContext for the session use cases, a server
subprocess with the UI, and a headless Chromium (skipped with the reason when absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn.service.context import AppContext
from store_fixtures import FakeClock

__all__ = ["ui_session_ctx"]


@pytest.fixture
def ui_session_ctx(db_url: str, tmp_path: Path, store_clock: FakeClock) -> Iterator[AppContext]:
    """The store's owner on a fresh database (both engines), with the test clock."""
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    ctx = AppContext(environ=environ, clock=store_clock)
    try:
        yield ctx
    finally:
        ctx.close()
