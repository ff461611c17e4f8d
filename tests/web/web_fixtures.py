"""Fixtures of the web UI tests: an AppContext for the session use cases, a headless
Chromium (Debian's ``chromium``, driven by Playwright; skipped, saying why, when there is
none), and signing in through the UI's own form.

The browser is the system's: ``scripts/with-test-services`` installs Debian's
``chromium`` when it is missing; Playwright never downloads one here. It starts with the
flags a closed network needs (no background traffic, no QUIC, no sandbox for root).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from awsconn.service.context import AppContext
from store_fixtures import FakeClock

__all__ = [
    "CHROMIUM_ARGS",
    "browser",
    "chromium_path",
    "http_session",
    "sign_in_page",
    "ui_session_ctx",
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def ui_session_ctx(db_url: str, tmp_path: Path, store_clock: FakeClock) -> Iterator[AppContext]:
    """The store's owner on a fresh database (both engines), with the test clock."""
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    ctx = AppContext(environ=environ, clock=store_clock)
    try:
        yield ctx
    finally:
        ctx.close()


def chromium_path() -> str | None:
    """Debian's Chromium (``AWSCONN_TEST_CHROMIUM`` names another), or None."""
    given = os.environ.get("AWSCONN_TEST_CHROMIUM")
    for candidate in (given, "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the module (each test opens its own context)."""
    path = chromium_path()
    if path is None:
        pytest.skip(
            "no Chromium found at /usr/bin/chromium (scripts/with-test-services installs "
            "Debian's chromium; AWSCONN_TEST_CHROMIUM names another)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev dependency
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in_page(page: Any, url: str, token: str) -> None:
    """Sign in through the UI's form and wait for the connectors page."""
    page.goto(f"{url}/ui/sign-in")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/connectors**")


def http_session(url: str, token: str, **kwargs: Any) -> tuple[httpx.Client, str]:
    """An HTTP client signed in to the UI with ``token`` (the session cookie in its jar)
    and the session's CSRF token, read from a page as a browser would."""
    import re

    client = httpx.Client(base_url=url, timeout=60.0, **kwargs)
    form = client.get("/ui/sign-in")
    nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', form.text)
    assert nonce is not None, form.text
    answer = client.post(
        "/ui/sign-in",
        data={"token": token, "sign_in_nonce": nonce.group(1), "next": "/connectors"},
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/ui/connectors")
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert csrf is not None, page.text
    return client, csrf.group(1)
