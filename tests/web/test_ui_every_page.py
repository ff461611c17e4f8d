"""Every page of the web UI in a real browser, at desktop (1280 px) and phone (390 px)
width, against a real ``awsconn server`` and the local moto server: no page is wider than
the screen, and the secret canary (a typed Secret Key and a secret made on the Secrets
page) is in no page, response or cookie the browser got.

Each page's screenshot is written too: to a temporary folder, or to
``AWSCONN_SCREENSHOTS_DIR`` (``make screenshots`` sets it to ``docs/screenshots``).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from web_fixtures import Recorder, create_through_wizard, new_user, sign_in_page

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _shots_dir(tmp_path: Path) -> Path:
    given = os.environ.get("AWSCONN_SCREENSHOTS_DIR")
    out = Path(given) if given else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _walk(page: Any, url: str, identifier: str, secret: str) -> list[tuple[str, Callable[[], Any]]]:
    """The pages in the order a user meets them, each opened by a step of the walk."""

    def go(path: str, ready: str) -> Callable[[], Any]:
        def open_page() -> None:
            page.goto(f"{url}{path}")
            page.get_by_role("heading", name=ready).first.wait_for()

        return open_page

    def tested() -> None:
        page.goto(f"{url}/ui/connectors/{identifier}")
        page.get_by_role("button", name="Test connection").click()
        page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)

    def permissions() -> None:
        page.goto(f"{url}/ui/connectors/{identifier}/permissions")
        page.get_by_label("describe-regions").check()
        page.get_by_label("s3-read", exact=False).first.check()
        page.get_by_role("button", name="Check permissions").click()
        page.get_by_role("heading", name="Report").wait_for()

    def wizard_step(number: int) -> Callable[[], None]:
        def open_step() -> None:
            page.goto(f"{url}/ui/new-connector")
            page.get_by_label("Name", exact=True).fill("Staging AWS")
            if number >= 2:
                page.get_by_role("button", name="Continue").click()
                page.get_by_role("heading", name="2. Credentials").wait_for()
            if number >= 3:
                page.get_by_label("Access Key", exact=True).fill("AKIAIOSFODNN7EXAMPLE")
                page.get_by_label("Secret Key", exact=True).fill(f"typed-{secret}")
                page.get_by_role("button", name="Continue").click()
                page.get_by_role("heading", name="3. Connectivity").wait_for()

        return open_step

    return [
        ("connectors", go("/ui/connectors", "Connectors")),
        ("connector", tested),
        ("permissions", permissions),
        ("wizard-overview", wizard_step(1)),
        ("wizard-credentials", wizard_step(2)),
        ("wizard-connectivity", wizard_step(3)),
        ("secrets", go("/ui/secrets", "Secrets")),
        ("secret", go(f"/ui/secrets/{identifier}_secret_key", "Secret")),
        ("delegates", go("/ui/delegates", "Delegates")),
        ("audit", go("/ui/audit", "Audit log")),
        ("delete", go(f"/ui/connectors/{identifier}/delete", "Delete")),
    ]


def test_every_page_fits_a_phone_and_never_holds_a_secret(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, browser: Any, tmp_path: Path
) -> None:
    shots = _shots_dir(tmp_path)
    canary = f"canary-{uuid.uuid4().hex}"
    _user, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    overflow: list[str] = []
    seen: list[str] = []
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            recorder = Recorder(page)
            page.goto(f"{api_server.url}/ui/sign-in")
            page.screenshot(path=str(shots / f"sign-in-{width_name}.png"), full_page=True)
            sign_in_page(page, api_server.url, api_server.token)
            name = f"Prod AWS {uuid.uuid4().hex[:4]}"
            identifier = create_through_wizard(page, api_server.url, name=name, keys=keys)
            page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
            page.screenshot(path=str(shots / f"wizard-test-{width_name}.png"), full_page=True)
            page.goto(f"{api_server.url}/ui/secrets")
            page.get_by_label("Identifier", exact=True).fill(f"canary_{uuid.uuid4().hex[:6]}")
            page.get_by_label("Value", exact=True).fill(canary)
            page.get_by_role("button", name="Create secret").click()
            page.get_by_text("was created").wait_for()
            for shot, open_page in _walk(page, api_server.url, identifier, canary):
                open_page()
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{shot} at {width} px is {wide} px wide")
                page.screenshot(path=str(shots / f"{shot}-{width_name}.png"), full_page=True)
            seen.append(recorder.everything())
            seen.append(json.dumps(context.cookies()))
        finally:
            context.close()
    assert overflow == []
    everything = "\n".join(seen)
    assert canary not in everything
    assert keys.secret_access_key not in everything
    assert api_server.token not in everything
    # its own 13 pages at both widths (other browser tests may write into the same folder)
    taken = {p.name for p in shots.glob("*.png")}
    names = ["sign-in", "wizard-test", *(shot for shot, _ in _walk(None, "", "", ""))]
    assert len(names) == 13
    assert all(f"{n}-{w}.png" in taken for n in names for w in WIDTHS), sorted(taken)
