"""Fixtures of the web UI tests: an AppContext for the session use cases, a headless
Chromium (Debian's ``chromium``, driven by Playwright; skipped, saying why, when there is
none), and signing in through the UI's own form.

The browser is the system's: ``scripts/with-test-services`` installs Debian's
``chromium`` when it is missing; Playwright never downloads one here. It starts with the
flags a closed network needs (no background traffic, no QUIC, no sandbox for root).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.aws.sessions import StaticKeys
from awsconn.service.context import AppContext
from store_fixtures import FakeClock

__all__ = [
    "CHROMIUM_ARGS",
    "Recorder",
    "browser",
    "chromium_path",
    "create_through_wizard",
    "http_session",
    "new_user",
    "sign_in_page",
    "ui_session_ctx",
    "user_policy",
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


READER = {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}


def user_policy(*actions: str, read_own: bool = True) -> dict[str, Any]:
    statements = [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]
    if read_own:
        statements.append(READER)
    return {"Version": "2012-10-17", "Statement": statements}


class Recorder:
    """Every response the browser got (bodies read as they arrive) and its cookies."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.bodies: list[str] = []
        self.headers: list[str] = []
        page.on("response", self._seen)

    def _seen(self, response: Any) -> None:
        self.headers.append(json.dumps(response.headers))
        with contextlib.suppress(Exception):  # a redirect has no body
            self.bodies.append(response.body().decode("utf-8", "replace"))

    def everything(self) -> str:
        cookies = json.dumps(self.page.context.cookies())
        return "\n".join([*self.bodies, *self.headers, cookies, self.page.content()])


def new_user(moto_auth: LocalAwsEndpoint, *actions: str) -> tuple[str, StaticKeys]:
    name = f"ui-{uuid.uuid4().hex[:10]}"
    keys = moto_auth.create_user(name, user_policy(*actions))
    assert keys is not None
    return name, keys


def create_through_wizard(
    page: Any, url: str, *, name: str, keys: StaticKeys, role_arn: str | None = None
) -> str:
    """The seed's flow: Overview, Credentials (AWS Access Key, a new secret), Connectivity
    (Connect through awsconn), Save and Continue; returns the suggested ID."""
    page.goto(f"{url}/ui/connectors")
    page.get_by_role("link", name="New connector").click()
    page.get_by_label("Name", exact=True).fill(name)
    identifier = page.get_by_label("ID", exact=True).input_value()
    page.get_by_label("Description", exact=True).fill("made in the browser")
    page.get_by_label("Tags", exact=True).fill("team=platform")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="2. Credentials").wait_for()
    page.get_by_label("AWS Access Key", exact=True).check()
    page.get_by_label("Access Key", exact=True).fill(keys.access_key_id)
    page.get_by_label("Type a value (creates a secret in this scope)").check()
    page.get_by_label("Secret Key", exact=True).fill(keys.secret_access_key)
    if role_arn:
        page.get_by_label("Enable cross-account access (STS Role)").check()
        page.get_by_label("Role ARN", exact=True).fill(role_arn)
    page.get_by_label("Test Region", exact=True).select_option("us-east-1")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="3. Connectivity").wait_for()
    assert page.get_by_label("Connect through awsconn").is_checked()
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("heading", name="4. Connection test").wait_for()
    return str(identifier)
