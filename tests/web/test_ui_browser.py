"""The web UI in a real browser (headless Chromium) against a real ``awsconn server`` and
the local moto server enforcing IAM: sign in, the create wizard with a new secret and its
connection test, inline errors, a broken policy, the Permissions report, a viewer's view,
and the secret values never reaching the browser."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from web_fixtures import Recorder, create_through_wizard, new_user, sign_in_page, user_policy

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_sign_in_then_out(api_server: ApiServer, page: Any) -> None:
    page.goto(f"{api_server.url}/")
    page.wait_for_url("**/ui/sign-in**")
    page.get_by_label("API token").fill("awsc_" + "x" * 43)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().strip() == "no valid API token was presented"
    sign_in_page(page, api_server.url, api_server.token)
    assert page.get_by_role("heading", name="Connectors").is_visible()
    assert "bootstrap-admin" in page.locator(".who").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/sign-in")
    page.goto(f"{api_server.url}/ui/connectors")
    page.wait_for_url("**/ui/sign-in?next=%2Fconnectors")


def test_the_wizard_creates_a_connector_and_a_secret_and_the_test_succeeds(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    recorder = Recorder(page)
    _user_name, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    name = f"Prod AWS {uuid.uuid4().hex[:6]}"
    sign_in_page(page, api_server.url, api_server.token)
    identifier = create_through_wizard(page, api_server.url, name=name, keys=keys)
    assert identifier == name.replace(" ", "_")
    status = page.get_by_role("status")
    status.get_by_text("Success", exact=True).wait_for(timeout=60_000)
    assert "Passed Credentials" in status.inner_text()
    assert "Passed DescribeRegions" in status.inner_text()
    page.get_by_role("link", name="Finish").click()
    page.get_by_role("heading", name="Settings").wait_for()
    assert f"{identifier}_secret_key" in page.locator("dl.settings").inner_text()
    page.get_by_role("link", name="Secrets").click()
    assert page.get_by_role("link", name=f"{identifier}_secret_key").is_visible()
    page.get_by_role("link", name="Connectors").click()
    row = page.get_by_role("row").filter(has_text=identifier)
    assert "Success" in row.inner_text() and "team=platform" in row.inner_text()
    assert "AWS Access Key" in row.inner_text() and "us-east-1" in row.inner_text()
    seen = recorder.everything()
    assert keys.secret_access_key not in seen
    assert api_server.token not in seen


def test_bad_id_and_bad_role_arn_are_shown_next_to_their_fields(
    api_server: ApiServer, page: Any
) -> None:
    sign_in_page(page, api_server.url, api_server.token)
    page.goto(f"{api_server.url}/ui/new-connector")
    page.get_by_label("Name", exact=True).fill("Bad one")
    page.get_by_label("ID", exact=True).fill("1 bad id")
    page.get_by_role("button", name="Continue").click()
    field = page.get_by_label("ID", exact=True)
    field.wait_for()
    page.wait_for_selector("#identifier[aria-invalid='true']")
    message = page.locator(f"#{field.get_attribute('aria-describedby')}")
    assert "is not a valid identifier" in message.inner_text()
    assert page.get_by_role("heading", name="1. Overview").is_visible()
    field.fill("bad_one_fixed")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="2. Credentials").wait_for()
    page.get_by_label("Access Key", exact=True).fill("AKIAIOSFODNN7EXAMPLE")
    page.get_by_label("Secret Key", exact=True).fill("not-checked-until-saved")
    page.get_by_label("Enable cross-account access (STS Role)").check()
    page.get_by_label("Role ARN", exact=True).fill("arn:aws:iam::12:user/not-a-role")
    external_id = page.get_by_label("External ID", exact=True)
    assert external_id.input_value() == ""
    page.get_by_role("button", name="Generate").click()
    expect(external_id).to_have_value(re.compile(r"^[A-Za-z0-9_-]{32,}$"))
    regions = page.get_by_label("Test Region", exact=True)
    assert regions.input_value() == "us-east-1"
    labels = regions.locator("option").all_inner_texts()
    assert "us-gov-west-1 — AWS GovCloud (US-West)" in labels
    assert "cn-north-1 — China (Beijing)" in labels
    page.get_by_text("Advanced", exact=True).click()
    page.get_by_label("Backoff strategy").select_option("FixedDelayBackoffStrategy")
    page.get_by_label("Fixed delay (ms)").fill("-5")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#role_arn[aria-invalid='true']")
    arn = page.get_by_label("Role ARN", exact=True)
    assert arn.get_attribute("aria-describedby") == "err-role_arn"
    assert "is not an IAM role ARN" in page.locator("#err-role_arn").inner_text()
    expect(page.locator("#role_arn")).to_be_focused(timeout=30_000)  # focus moves after the swap
    assert page.locator("#fixed_backoff").get_attribute("aria-invalid") == "true"
    assert len(page.get_by_label("External ID", exact=True).input_value()) >= 32


def test_a_broken_policy_shows_describe_regions_denied_with_its_hint(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    user, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    identifier = create_through_wizard(page, api_server.url, name=f"Broken {user}", keys=keys)
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
    moto_auth.admin_client("iam").put_user_policy(
        UserName=user,
        PolicyName=f"{user}-inline",
        PolicyDocument=json.dumps(user_policy("sts:GetCallerIdentity")),
    )
    page.get_by_role("link", name="Finish").click()
    page.get_by_role("button", name="Test connection").click()
    status = page.locator("#test-result[role='status']")
    status.get_by_text("Failure", exact=True).wait_for(timeout=60_000)
    text = status.inner_text()
    assert "DESCRIBE_REGIONS_DENIED" in text
    assert "ec2:DescribeRegions" in text  # the hint names what to allow
    assert "Passed Credentials" in text and "Failed DescribeRegions" in text
    page.reload()
    history = page.locator("section[aria-labelledby='h-history']").inner_text()
    assert "DESCRIBE_REGIONS_DENIED" in history
    assert identifier in page.locator("h1").inner_text()


def test_the_permissions_report(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    user, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    create_through_wizard(page, api_server.url, name=f"Perms {user}", keys=keys)
    page.get_by_role("link", name="Finish").click()
    page.get_by_role("link", name="Permissions").click()
    page.get_by_label("describe-regions").check()
    page.get_by_label("s3-read", exact=False).first.check()
    page.get_by_role("button", name="Check permissions").click()
    report = page.locator("section[aria-labelledby='h-report']")
    report.wait_for()
    rows = report.get_by_role("row")
    assert "Granted" in rows.filter(has_text="describe-regions").inner_text()
    s3 = rows.filter(has_text="s3-read").first.inner_text()
    assert "Not granted" in s3 and "s3:GetObject" in s3
    policy = json.loads(page.locator("#missing-policy").inner_text())
    actions = json.dumps(policy)
    assert "s3:GetObject" in actions and "ec2:DescribeRegions" not in actions
    assert page.get_by_role("button", name="Copy policy").is_visible()


def test_a_viewer_sees_no_edit_controls(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    _user_name, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    identifier = create_through_wizard(
        page, api_server.url, name=f"Seen {uuid.uuid4().hex[:6]}", keys=keys
    )
    page.context.clear_cookies()
    sign_in_page(page, api_server.url, api_server.make_token("viewer"))
    assert page.get_by_role("link", name="New connector").count() == 0
    page.get_by_role("link", name=identifier.replace("_", " ")).click()
    page.get_by_role("heading", name="Settings").wait_for()
    for name in ("Edit", "Delete", "Permissions"):
        assert page.get_by_role("link", name=name).count() == 0
    assert page.get_by_role("button", name="Test connection").count() == 0
    page.get_by_role("link", name="Secrets").click()
    assert page.get_by_role("button", name="Create secret").count() == 0
    assert page.get_by_role("link", name="Audit log").count() == 0


def test_edit_keeps_the_id_and_delete_asks_first(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    _user_name, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    identifier = create_through_wizard(
        page, api_server.url, name=f"Edited {uuid.uuid4().hex[:6]}", keys=keys
    )
    page.get_by_role("link", name="Finish").click()
    page.get_by_role("link", name="Edit").click()
    assert page.get_by_label("ID", exact=True).get_attribute("readonly") is not None
    page.get_by_label("Description", exact=True).fill("changed in the browser")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="2. Credentials").wait_for()
    assert page.get_by_label("Pick an existing secret").is_checked()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("heading", name="4. Connection test").wait_for()
    assert "Saved (version 2)" in page.locator("main").inner_text()
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Finish").click()
    assert "changed in the browser" in page.locator("dl.settings").inner_text()
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("heading", name="Delete connector").wait_for()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name="Settings").wait_for()  # nothing deleted
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name=identifier).click()
    page.wait_for_url("**/ui/connectors?deleted=**")
    assert page.get_by_role("row").filter(has_text=identifier).count() == 0


def test_the_keyboard_alone_signs_in_and_goes_forward_through_the_wizard(
    api_server: ApiServer, page: Any
) -> None:
    page.goto(f"{api_server.url}/ui/sign-in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert skip.is_visible()
    page.get_by_label("API token").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.type(api_server.token)
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/connectors**")
    page.goto(f"{api_server.url}/ui/new-connector")
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.type("Keyboard only")
    assert page.get_by_label("ID", exact=True).input_value() == "Keyboard_only"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="2. Credentials").wait_for()
    # a person presses Enter on a page at rest: the step's swap and its request are done
    expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0, timeout=30_000)
    page.get_by_label("Access Key", exact=True).focus()
    page.keyboard.type("AKIAIOSFODNN7EXAMPLE")
    page.keyboard.press("Enter")  # forward (the Secret Key is missing), never Back
    try:
        page.wait_for_selector("#secret_key_value[aria-invalid='true']")
    except Exception as exc:  # say what the page shows instead (a rare failure, kept legible)
        shown = page.locator("main").inner_text()[:2000]
        raise AssertionError(
            f"no inline Secret Key error after Enter; the page shows:\n{shown}"
        ) from exc
    assert not page.get_by_role("heading", name="1. Overview").is_visible()
    expect(page.locator("#secret_key_value")).to_be_focused(timeout=30_000)
    described = page.locator("#secret_key_value").get_attribute("aria-describedby")
    assert "is empty" in page.locator(f"#{described.split()[-1]}").inner_text()


def test_a_request_that_gets_no_answer_shows_a_message(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    _user_name, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    create_through_wizard(page, api_server.url, name=f"Cut {uuid.uuid4().hex[:6]}", keys=keys)
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Finish").click()
    page.route("**/test", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="Test connection").click()
    alert = page.locator("#request-failed[role='alert']")
    alert.wait_for()
    assert "could not be reached" in alert.inner_text()
    assert page.get_by_role("button", name="Test connection").is_enabled()


def test_without_javascript_test_connection_still_answers(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, browser: Any, page: Any
) -> None:
    _user_name, keys = new_user(moto_auth, "sts:GetCallerIdentity", "ec2:DescribeRegions")
    sign_in_page(page, api_server.url, api_server.token)
    identifier = create_through_wizard(
        page, api_server.url, name=f"NoJs {uuid.uuid4().hex[:6]}", keys=keys
    )
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
    plain = browser.new_context(
        java_script_enabled=False, storage_state=page.context.storage_state()
    )
    try:
        no_js = plain.new_page()
        no_js.goto(f"{api_server.url}/ui/connectors/{identifier}")
        no_js.get_by_role("button", name="Test connection").click()
        status = no_js.locator("#test-result[role='status']")
        status.get_by_text("Success", exact=True).wait_for(timeout=60_000)
        assert "Passed DescribeRegions" in status.inner_text()
    finally:
        plain.close()
