"""The web UI's pages over HTTP against a real ``awsconn server``: the session cookie, CSRF
on every form, the connectors table's search, filters and pages, the Secrets page (values
never sent back, delete refused while in use), the Delegates page and the audit log for
admins only."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

import httpx
from web_fixtures import http_session

from api_fixtures import ApiServer
from awsconn.service import delegates
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_delegate_token


def _connector(identifier: str, tags: dict[str, str], secret: str | None = None) -> Any:
    credential: dict[str, Any] = {"type": "InheritFromDelegate", "region": "us-east-1"}
    if secret is not None:
        credential = {
            "type": "ManualConfig",
            "region": "us-east-1",
            "spec": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKeyRef": secret},
        }
    body = {
        "name": identifier.replace("_", " "),
        "identifier": identifier,
        "type": "Aws",
        "tags": tags,
        "spec": {
            "credential": credential,
            "executeOnDelegate": secret is None,
            "delegateSelectors": [] if secret else ["ui-test"],
        },
    }
    return {"connector": body}


def _create_connectors(server: ApiServer, *bodies: Any) -> None:
    with server.client() as http:
        for body in bodies:
            answer = http.post("/ng/api/connectors", json=body)
            assert answer.status_code == 200, answer.text


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr[ >].*?</tr>", body, re.S)


def test_signing_in_sets_an_http_only_lax_session_cookie(api_server: ApiServer) -> None:
    with httpx.Client(base_url=api_server.url) as raw:
        page = raw.get("/ui/sign-in")
        nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', page.text)
        assert nonce is not None
        answer = raw.post(
            "/ui/sign-in", data={"token": api_server.token, "sign_in_nonce": nonce.group(1)}
        )
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert "secure" not in cookie.lower()  # plain HTTP: a Secure cookie would not come back
        assert api_server.token not in cookie
        kept = raw.post("/ui/sign-out")  # no CSRF token: refused, the session stays
        assert kept.status_code == 403
        assert raw.get("/ui/connectors").status_code == 200


def test_behind_tls_the_session_cookie_is_secure(api_server: ApiServer) -> None:
    behind_tls = {"X-Forwarded-Proto": "https"}  # what a TLS-terminating proxy says
    with httpx.Client(base_url=api_server.url, headers=behind_tls) as raw:
        page = raw.get("/ui/sign-in")
        nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', page.text)
        assert nonce is not None
        # the sign-in nonce's cookie is Secure too: over this test's plain HTTP, send it by hand
        raw.cookies.set("awsconn_sign_in", page.cookies["awsconn_sign_in"])
        answer = raw.post(
            "/ui/sign-in", data={"token": api_server.token, "sign_in_nonce": nonce.group(1)}
        )
    assert answer.status_code == 303
    assert "; secure" in answer.headers["set-cookie"].lower()


def test_a_form_without_the_csrf_token_is_refused_and_nothing_is_stored(
    api_server: ApiServer,
) -> None:
    client, csrf = http_session(api_server.url, api_server.token)
    name = f"nocsrf_{uuid.uuid4().hex[:8]}"
    with contextlib.closing(client):
        refused = client.post("/ui/secrets", data={"identifier": name, "value": "v"})
        assert refused.status_code == 403
        assert "CSRF token is missing or wrong" in refused.text
        wrong = client.post(
            "/ui/secrets", data={"identifier": name, "value": "v", "csrf_token": "0" * 64}
        )
        assert wrong.status_code == 403
        assert name not in client.get("/ui/secrets").text
        made = client.post(
            "/ui/secrets", data={"identifier": name, "value": "v", "csrf_token": csrf}
        )
        assert made.status_code == 303
        assert name in client.get("/ui/secrets").text


def test_the_connectors_table_searches_filters_and_pages(api_server: ApiServer) -> None:
    prefix = f"tbl{uuid.uuid4().hex[:6]}"
    bodies = [
        _connector(f"{prefix}_{i:02d}", {"team": "blue" if i % 2 else "red"}) for i in range(27)
    ]
    _create_connectors(api_server, *bodies)
    client, _csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        first = client.get("/ui/connectors", params={"q": prefix})
        assert first.status_code == 200
        assert len(_rows(first.text)) == 25
        assert "27 connectors" in first.text
        second = client.get("/ui/connectors", params={"q": prefix, "page": "2"})
        assert len(_rows(second.text)) == 2
        blue = client.get("/ui/connectors", params={"q": prefix, "tag": "team=blue"})
        assert len(_rows(blue.text)) == 13
        assert all("team=blue" in row for row in _rows(blue.text))
        never = client.get(
            "/ui/connectors", params={"q": prefix, "status": "UNKNOWN", "type": "Irsa"}
        )
        assert _rows(never.text) == [] or "No connectors" in never.text
        bad = client.get("/ui/connectors", params={"status": "GREEN", "page": "x"})
        assert bad.status_code == 400
        assert "status" in bad.text and "SUCCESS, FAILURE, UNKNOWN" in bad.text
        assert "Traceback" not in bad.text


def test_secrets_are_created_and_updated_without_their_values_coming_back(
    api_server: ApiServer,
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    name = f"sec_{uuid.uuid4().hex[:8]}"
    client, csrf = http_session(api_server.url, api_server.token)
    seen: list[str] = []
    with contextlib.closing(client):
        made = client.post(
            "/ui/secrets",
            data={"identifier": name, "value": canary, "csrf_token": csrf},
            follow_redirects=True,
        )
        seen.append(made.text)
        assert f"Secret {name} was created." in made.text
        page = client.get(f"/ui/secrets/{name}")
        seen.append(page.text)
        updated = client.post(
            f"/ui/secrets/{name}/value",
            data={"value": canary + "-2", "csrf_token": csrf},
            follow_redirects=True,
        )
        seen.append(updated.text)
        assert "was replaced" in updated.text
        empty = client.post(f"/ui/secrets/{name}/value", data={"value": "", "csrf_token": csrf})
        assert empty.status_code == 400 and 'aria-invalid="true"' in empty.text
        seen.append(empty.text)
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    assert all(canary not in text for text in [*seen, cookies])


def test_a_secret_in_use_is_not_deleted_and_the_page_says_by_whom(api_server: ApiServer) -> None:
    name = f"used_{uuid.uuid4().hex[:8]}"
    user = f"user_of_{name}"
    client, csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        client.post("/ui/secrets", data={"identifier": name, "value": "x", "csrf_token": csrf})
        _create_connectors(api_server, _connector(user, {}, secret=name))
        refused = client.post(f"/ui/secrets/{name}/delete", data={"csrf_token": csrf})
        assert refused.status_code == 409
        assert user in refused.text
        assert name in client.get("/ui/secrets").text
        with api_server.client() as http:
            assert http.delete(f"/ng/api/connectors/{user}").status_code == 200
        gone = client.post(
            f"/ui/secrets/{name}/delete", data={"csrf_token": csrf}, follow_redirects=True
        )
        assert f"Secret {name} was deleted." in gone.text


def test_the_delegates_page_shows_how_to_start_one_with_a_fresh_token(
    api_server: ApiServer,
) -> None:
    client, csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        page = client.get("/ui/delegates")
        assert page.status_code == 200
        assert f"awsconn delegate run --manager {api_server.url}" in page.text
        assert f"--manager-url {api_server.url} | kubectl apply -f -" in page.text
        issued = client.post(
            "/ui/delegates/token", data={"name": f"dt-{uuid.uuid4().hex[:8]}", "csrf_token": csrf}
        )
        assert issued.status_code == 200
        token = re.search(r'id="delegate-token" class="code">(awsc_[A-Za-z0-9_-]+)<', issued.text)
        assert token is not None
        again = client.get("/ui/delegates")
        assert token.group(1) not in again.text  # shown once


def test_the_audit_log_is_for_admins_only(api_server: ApiServer) -> None:
    admin, csrf = http_session(api_server.url, api_server.token)
    name = f"audited_{uuid.uuid4().hex[:8]}"
    with contextlib.closing(admin):
        admin.post("/ui/secrets", data={"identifier": name, "value": "x", "csrf_token": csrf})
        log = admin.get("/ui/audit")
        assert log.status_code == 200 and name in log.text
    viewer, _ = http_session(api_server.url, api_server.make_token("viewer"))
    with contextlib.closing(viewer):
        assert "Audit log" not in viewer.get("/ui/connectors").text
        refused = viewer.get("/ui/audit")
        assert refused.status_code == 403
        assert name not in refused.text
        denied = viewer.post("/ui/secrets", data={"identifier": "x", "value": "x"})
        assert denied.status_code == 403


def test_signing_in_goes_back_only_to_a_page_of_the_ui(api_server: ApiServer) -> None:
    for given, expected in (
        ("/secrets?q=a", "/ui/secrets?q=a"),
        ("//evil.example/x", "/ui/connectors"),
        ("https://evil.example/", "/ui/connectors"),
        ("/\\evil.example", "/ui/connectors"),
    ):
        with httpx.Client(base_url=api_server.url) as raw:
            page = raw.get("/ui/sign-in")
            nonce = re.search(r'name="sign_in_nonce" value="([^"]+)"', page.text)
            assert nonce is not None
            answer = raw.post(
                "/ui/sign-in",
                data={"token": api_server.token, "sign_in_nonce": nonce.group(1), "next": given},
            )
        assert answer.headers["location"] == expected, given


def test_the_server_refuses_a_viewer_what_the_role_lacks(api_server: ApiServer) -> None:
    identifier = f"kept_{uuid.uuid4().hex[:8]}"
    _create_connectors(api_server, _connector(identifier, {}))
    viewer, csrf = http_session(api_server.url, api_server.make_token("viewer"))
    with contextlib.closing(viewer):
        assert viewer.get(f"/ui/connectors/{identifier}").status_code == 200
        for method, path in (
            ("GET", "/ui/new-connector"),
            ("GET", f"/ui/connectors/{identifier}/edit"),
            ("GET", f"/ui/connectors/{identifier}/delete"),
            ("POST", f"/ui/connectors/{identifier}/delete"),
            ("POST", f"/ui/connectors/{identifier}/test"),
            ("POST", "/ui/new-connector"),
        ):
            answer = viewer.request(method, path, data={"csrf_token": csrf, "step": "1"})
            assert answer.status_code == 403, (method, path, answer.status_code)
            assert "Traceback" not in answer.text
        assert viewer.get(f"/ui/connectors/{identifier}").status_code == 200


def test_the_scope_switcher_lists_each_scope_s_own_connectors(api_server: ApiServer) -> None:
    in_org = f"org_only_{uuid.uuid4().hex[:8]}"
    body = _connector(in_org, {})
    body["connector"]["orgIdentifier"] = "eng"
    _create_connectors(api_server, body)
    client, _csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        org = client.get("/ui/connectors", params={"org": "eng"})
        assert org.status_code == 200 and in_org in org.text
        assert f"/ui/connectors/{in_org}?org=eng" in org.text  # its links keep the scope
        assert in_org not in client.get("/ui/connectors").text
        page = client.get(f"/ui/connectors/{in_org}", params={"org": "eng"})
        assert page.status_code == 200 and "Settings" in page.text
        bad = client.get("/ui/connectors", params={"org": "no way"})
        assert bad.status_code == 400 and "org" in bad.text


def test_the_permissions_page_writes_the_cross_account_role_s_trust_policy(
    api_server: ApiServer,
) -> None:
    identifier = f"crossed_{uuid.uuid4().hex[:8]}"
    body = _connector(identifier, {})
    body["connector"]["spec"]["credential"]["crossAccountAccess"] = {
        "crossAccountRoleArn": "arn:aws:iam::210987654321:role/deploy",
        "externalId": "ext-7f3a",
    }
    _create_connectors(api_server, body)
    client, _csrf = http_session(api_server.url, api_server.token)
    principal = "arn:aws:iam::123456789012:user/deployer"
    with contextlib.closing(client):
        page = client.get(
            f"/ui/connectors/{identifier}/permissions", params={"trusted_principal": principal}
        )
    assert page.status_code == 200
    trust = re.search(r'<pre id="trust-policy" class="code">(.*?)</pre>', page.text, re.S)
    assert trust is not None
    text = trust.group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert "sts:AssumeRole" in text and principal in text and "ext-7f3a" in text
    assert 'data-copy="trust-policy"' in page.text


def test_connected_delegates_are_listed_and_matched_by_the_wizard(api_server: ApiServer) -> None:
    owner = AppContext(environ=api_server.service_environ(), runs_as="server")
    name = f"dlg-{uuid.uuid4().hex[:8]}"
    try:
        token = create_delegate_token(owner, name=f"token-{name}").token
        dctx = owner.for_request(authenticate(owner.runtime, token))
        caps = ["connection-test", "identity:InheritFromDelegate"]
        delegates.register(dctx, name=name, tags=["prod", name], capabilities=caps, version="9.9.1")
    finally:
        owner.close()
    client, _csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        page = client.get("/ui/delegates")
        row = next(r for r in _rows(page.text) if name in r)
        assert "Connected" in row and "9.9.1" in row and "identity:InheritFromDelegate" in row
        wanted = {
            "credential_type": "InheritFromDelegate",
            "connectivity": "delegate",
            "delegate_mode": "tags",
        }
        match = client.get("/ui/delegates/matching", params={**wanted, "delegate_tags": name})
        assert "match now" in match.text and name in match.text.split("do not match")[0]
        other = client.get("/ui/delegates/matching", params={**wanted, "delegate_tags": "nope"})
        assert "No connected delegate matches now" in other.text
        assert name in other.text.split("do not match")[1]


def test_without_javascript_a_test_answers_with_the_connector_page_and_its_result(
    api_server: ApiServer,
) -> None:
    identifier = f"plain_{uuid.uuid4().hex[:8]}"
    _create_connectors(api_server, _connector(identifier, {}))
    client, csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        page = client.post(f"/ui/connectors/{identifier}/test", data={"csrf_token": csrf})
    assert page.status_code == 200 and "<!doctype html>" in page.text
    result = page.text.split('id="test-result"', 1)[1].split("</section>", 1)[0]
    assert "DELEGATE_UNAVAILABLE" in result and "ui-test" in result  # no delegate has the tag
    assert "Settings" in page.text
