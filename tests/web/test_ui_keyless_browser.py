"""The keyless credential type and role chains in a real browser (headless Chromium)
against real ``awsconn server`` processes: an OIDC connector made in the wizard against a
server that is an OIDC issuer (moto without auth: its STS does not verify web identity
tokens) succeeds, shows the trust policy the CLI prints, is edited, and no ID token ever
reaches the browser; without an issuer the wizard says so; a bad IAM Role ARN and a bad
chain hop are shown at their fields; a chain of two roles made in the wizard is tested hop
by hop (moto with IAM auth); the delegate-identity types cannot pick a choice that can
only fail. Screenshots go to ``AWSCONN_SCREENSHOTS_DIR`` when set (``make screenshots``)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_fixtures import Recorder, new_user, sign_in_page

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn
from awsconn.aws.sessions import role_session_name
from awsconn.model import parse_ref
from awsconn.service.policy_generation import oidc_trust_policy

ROLE = "arn:aws:iam::123456789012:role/keyless-deploy"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
"""A signed JWT (an OIDC ID token) in any text: header and claims are base64url JSON."""
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


class IssuerServer(ApiServer):
    """``awsconn server --issuer-url`` naming its own loopback URL."""

    def command(self) -> list[str]:
        return [*super().command(), "--issuer-url", self.url]


@pytest.fixture(scope="module")
def issuer_server(
    tmp_path_factory: pytest.TempPathFactory, moto_noauth: LocalAwsEndpoint
) -> Iterator[IssuerServer]:
    with IssuerServer(tmp_path_factory.mktemp("ui-issuer"), aws_endpoint=moto_noauth.url) as s:
        yield s


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _shoot(page: Any, name: str) -> None:
    """The page fits both widths (no wider than the screen); screenshots of it go into
    ``AWSCONN_SCREENSHOTS_DIR`` when set."""
    given = os.environ.get("AWSCONN_SCREENSHOTS_DIR")
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        if given:
            Path(given).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(given) / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _start(page: Any, url: str, name: str) -> str:
    """A new connector named ``name`` at account scope, on the Credentials step; its ID."""
    page.goto(f"{url}/ui/new-connector")
    page.get_by_label("Name", exact=True).fill(name)
    identifier = str(page.get_by_label("ID", exact=True).input_value())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="2. Credentials").wait_for()
    return identifier


def _continue_to(page: Any, heading: str) -> None:
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name=heading).wait_for()


def test_an_oidc_connector_made_in_the_wizard_succeeds_and_no_id_token_reaches_the_browser(
    issuer_server: IssuerServer, page: Any
) -> None:
    url = issuer_server.url
    recorder = Recorder(page)
    sign_in_page(page, url, issuer_server.token)
    identifier = _start(page, url, f"Keyless {uuid.uuid4().hex[:6]}")
    page.get_by_label("Use OpenID Connect (OIDC)").check()
    trust = page.locator("#oidc-trust")
    expect(trust).to_contain_text(url)
    expect(trust).to_contain_text(f"account/default:connector/{identifier}")
    page.get_by_label("IAM Role ARN", exact=True).fill(ROLE)
    page.get_by_label("IAM Role ARN", exact=True).press("Tab")
    shown = page.locator("#oidc-trust-policy")
    expect(shown).to_contain_text("sts:AssumeRoleWithWebIdentity")
    expected = oidc_trust_policy(  # what `awsconn permissions trust-policy --oidc` prints
        account="default", issuer_url=url, scope="*", connector=identifier,
        aws_account="123456789012",
    )  # fmt: skip
    assert json.loads(shown.inner_text()) == expected["trustPolicy"]
    assert expected["oidcProvider"]["arn"] in trust.inner_text()
    assert page.get_by_role("button", name="Copy trust policy").is_visible()
    _shoot(page, "wizard-oidc")
    _continue_to(page, "3. Connectivity")
    assert page.get_by_label("Connect through awsconn").is_checked()
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("heading", name="4. Connection test").wait_for()
    status = page.get_by_role("status")
    status.get_by_text("Success", exact=True).wait_for(timeout=60_000)
    assert "Passed Credentials (an ID token signed by awsconn" in status.inner_text()
    assert "Passed DescribeRegions" in status.inner_text()
    page.get_by_role("link", name="Finish").click()
    settings = page.locator("dl.settings").first
    settings.wait_for()
    assert "Use OpenID Connect (OIDC)" in settings.inner_text()
    assert ROLE in settings.inner_text() and "sts.amazonaws.com (default)" in settings.inner_text()
    assert f"account/default:connector/{identifier}" in settings.inner_text()

    page.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="2. Credentials").wait_for()
    assert page.get_by_label("Use OpenID Connect (OIDC)").is_checked()
    assert page.get_by_label("IAM Role ARN", exact=True).input_value() == ROLE
    page.get_by_text("Advanced", exact=True).click()
    page.get_by_label("Audience", exact=True).fill("awsconn-keyless")
    _continue_to(page, "3. Connectivity")
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Finish").click()
    assert "awsconn-keyless" in page.locator("dl.settings").first.inner_text()
    page.get_by_role("button", name="Test connection").click()
    page.get_by_role("status").get_by_text("Success", exact=True).wait_for(timeout=60_000)

    # the Permissions report says what the role must trust, with the audience it now has
    page.get_by_role("link", name="Permissions").click()
    oidc_trust = page.locator("section[aria-labelledby='h-oidc-trust']")
    expect(oidc_trust).to_contain_text(ROLE)
    expect(oidc_trust).to_contain_text(f"account/default:connector/{identifier}")
    edited = oidc_trust_policy(
        account="default", issuer_url=url, scope="*", connector=identifier,
        aws_account="123456789012", audience="awsconn-keyless",
    )  # fmt: skip
    shown_there = json.loads(oidc_trust.locator("#oidc-trust-policy").inner_text())
    assert shown_there == edited["trustPolicy"]

    page.goto(f"{url}/ui/connectors")
    page.get_by_label("Credential type").select_option(label="Use OpenID Connect (OIDC)")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**type=OidcAuthentication**")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    assert identifier in rows.inner_text() and "Use OpenID Connect (OIDC)" in rows.inner_text()
    seen = recorder.everything()
    assert JWT.search(seen) is None  # three tests signed tokens: none reached the browser
    assert issuer_server.token not in seen


def test_the_jwt_canary_recognises_an_id_token(issuer_server: IssuerServer) -> None:
    """The canary above would see a token of this server: one it signed matches."""
    from awsconn.model import parse_connector_document
    from awsconn.service.context import AppContext
    from awsconn.service.oidc_issuer import mint_token

    env = {**issuer_server.service_environ(), "AWSCONN_OIDC_ISSUER_URL": issuer_server.url}
    ctx = AppContext(environ=env)
    doc = {"connector": {"name": "c", "identifier": "c", "type": "Aws", "spec": {
        "credential": {"type": "OidcAuthentication", "spec": {"iamRoleArn": ROLE}},
        "executeOnDelegate": False}}}  # fmt: skip
    try:
        token = mint_token(ctx, parse_connector_document(doc)).token
    finally:
        ctx.close()
    assert JWT.fullmatch(token)


def test_without_an_issuer_the_wizard_says_so_and_a_bad_role_arn_is_shown_inline(
    api_server: ApiServer, page: Any
) -> None:
    sign_in_page(page, api_server.url, api_server.token)
    _start(page, api_server.url, f"No issuer {uuid.uuid4().hex[:6]}")
    page.get_by_label("Use OpenID Connect (OIDC)").check()
    trust = page.locator("#oidc-trust")
    expect(trust).to_contain_text("This server has no OIDC issuer URL")
    assert "awsconn server --issuer-url" in trust.inner_text()
    assert "WEB_IDENTITY_FAILED" in trust.inner_text()
    page.get_by_label("IAM Role ARN", exact=True).fill("arn:aws:iam::12:user/not-a-role")
    page.get_by_text("Advanced", exact=True).click()
    page.get_by_label("Audience", exact=True).fill("has space")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#iam_role_arn[aria-invalid='true']")
    assert page.get_by_label("IAM Role ARN", exact=True).get_attribute("aria-describedby") == (
        "err-iam_role_arn"
    )
    assert "is not an IAM role ARN" in page.locator("#err-iam_role_arn").inner_text()
    assert "is not an OIDC audience" in page.locator("#err-audience").inner_text()
    expect(page.locator("#iam_role_arn")).to_be_focused(
        timeout=30_000
    )  # focus moves after the swap
    assert page.get_by_role("heading", name="2. Credentials").is_visible()


def _session_of(role_arn: str, identifier: str) -> str:
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    session = role_session_name(parse_ref(identifier).session_label())
    return f"arn:aws:sts::{account}:assumed-role/{name}/{session}"


def test_a_chain_of_two_roles_made_in_the_wizard_is_tested_hop_by_hop(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    suffix = uuid.uuid4().hex[:6]
    identifier = f"Chained_{suffix}"
    user = f"ui-chain-{suffix}"
    keys = moto_auth.create_user(user, allow_policy("sts:AssumeRole"))
    assert keys is not None
    first = moto_auth.create_role(
        f"{user}-1", trust_principal=user_arn(user), policy=allow_policy("sts:AssumeRole")
    )
    second = moto_auth.create_role(
        f"{user}-2",
        trust_principal=_session_of(first.arn, identifier),
        external_id="hop-two",
        policy=allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions", "iam:Get*"),
    )
    sign_in_page(page, api_server.url, api_server.token)
    assert _start(page, api_server.url, f"Chained {suffix}") == identifier
    page.get_by_label("Access Key", exact=True).fill(keys.access_key_id)
    page.get_by_label("Secret Key", exact=True).fill(keys.secret_access_key)
    page.get_by_label("Enable cross-account access (STS Role)").check()
    page.get_by_label("Role ARN", exact=True).fill(first.arn)
    page.get_by_role("button", name="Add another role (chain)").click()
    hop = page.get_by_label("Role 2 ARN", exact=True)
    expect(hop).to_be_focused()
    hop.fill("arn:aws:iam::123456789012:user/not-a-role")
    page.get_by_label("Role 2 External ID", exact=True).fill("hop-two")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#chain_role_arn_0[aria-invalid='true']")
    assert "is not an IAM role ARN" in page.locator("#err-chain_role_arn_0").inner_text()
    assert page.get_by_label("Role ARN", exact=True).get_attribute("aria-invalid") is None
    page.get_by_label("Role 2 ARN", exact=True).fill(second.arn)
    _continue_to(page, "3. Connectivity")
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("heading", name="4. Connection test").wait_for()
    status = page.get_by_role("status")
    status.get_by_text("Success", exact=True).wait_for(timeout=60_000)
    text = status.inner_text()
    _shoot(page, "wizard-test-chain")
    assert f"Passed Assume role 1 of 2: {first.arn}" in text
    assert f"Passed Assume role 2 of 2: {second.arn}" in text
    assert [h.strip() for h in status.locator("ol.hops li").all_inner_texts()] == [
        first.arn,
        second.arn,
    ]
    page.get_by_role("link", name="Finish").click()
    chain = page.locator("dl.settings ol.hops").first
    chain.wait_for()
    assert first.arn in chain.inner_text() and second.arn in chain.inner_text()
    assert "hop-two" in chain.inner_text()
    _shoot(page, "connector-chain")

    page.get_by_role("link", name="Edit").click()  # the second hop's External ID goes wrong
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Role 2 External ID", exact=True).fill("not-hop-two")
    _continue_to(page, "3. Connectivity")
    page.get_by_role("button", name="Save and Continue").click()
    result = page.locator("#test-result")
    result.get_by_text("Failure", exact=True).wait_for(timeout=60_000)
    assert f"Passed Assume role 1 of 2: {first.arn}" in result.inner_text()
    assert f"Failed Assume role 2 of 2: {second.arn}" in result.inner_text()
    assert "role chain hop 2 of 2" in result.inner_text()


def test_delegate_identity_types_need_a_delegate_named_by_its_tags(
    api_server: ApiServer, page: Any
) -> None:
    sign_in_page(page, api_server.url, api_server.token)
    _start(page, api_server.url, f"Pods {uuid.uuid4().hex[:6]}")
    page.get_by_label("Use IRSA").check()
    _continue_to(page, "3. Connectivity")
    awsconn = page.get_by_label("Connect through awsconn")
    expect(awsconn).to_be_disabled()
    assert not awsconn.is_checked()
    assert page.get_by_label("Connect through a Delegate").is_checked()
    reason = page.locator("#" + str(awsconn.get_attribute("aria-describedby")))
    expect(reason).to_be_visible()
    assert "the delegate's own identity is the credential" in reason.inner_text()
    any_delegate = page.get_by_label("Use any available Delegate")
    expect(any_delegate).to_be_disabled()
    why = page.locator("#" + str(any_delegate.get_attribute("aria-describedby")))
    expect(why).to_be_visible()
    assert "Use IRSA" in why.inner_text()
    assert page.get_by_label("Only use Delegates with all of the following tags").is_checked()
    tags = page.get_by_label("Delegate tags", exact=True)
    expect(tags).to_be_visible()
    _shoot(page, "wizard-connectivity-irsa")
    page.get_by_role("button", name="Save and Continue").click()
    page.wait_for_selector("#delegate_tags[aria-invalid='true']")
    assert "is required for Irsa" in page.locator("#err-delegate_tags").inner_text()
    page.get_by_label("Delegate tags", exact=True).fill("eks")
    page.get_by_role("button", name="Save and Continue").click()
    page.get_by_role("heading", name="4. Connection test").wait_for()
    page.get_by_role("link", name="Finish").click()
    settings = page.locator("dl.settings").first
    assert "Through a delegate with all of: eks" in settings.inner_text()


def test_the_same_rule_holds_for_access_keys_not_at_all(
    api_server: ApiServer, moto_auth: LocalAwsEndpoint, page: Any
) -> None:
    """AWS Access Key keeps both choices: awsconn or any delegate."""
    _user, keys = new_user(moto_auth, "sts:GetCallerIdentity")
    sign_in_page(page, api_server.url, api_server.token)
    _start(page, api_server.url, f"Keys {uuid.uuid4().hex[:6]}")
    page.get_by_label("Access Key", exact=True).fill(keys.access_key_id)
    page.get_by_label("Secret Key", exact=True).fill(keys.secret_access_key)
    _continue_to(page, "3. Connectivity")
    expect(page.get_by_label("Connect through awsconn")).to_be_enabled()
    page.get_by_label("Connect through a Delegate").check()
    expect(page.get_by_label("Use any available Delegate")).to_be_enabled()
    assert page.get_by_label("Use any available Delegate").is_checked()
