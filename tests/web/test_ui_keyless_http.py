"""The wizard's role chain rows and OIDC explanation over plain HTTP (no JavaScript), on a
real ``awsconn server``: rows are added and removed by submit buttons and nothing is saved
meanwhile; the OIDC fragment answers for the role typed so far."""

from __future__ import annotations

import contextlib
import uuid

from web_fixtures import http_session

from api_fixtures import ApiServer

ROLE = "arn:aws:iam::123456789012:role/first"


def _form(csrf: str, identifier: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf, "step": "2", "name": identifier, "identifier": identifier,
        "credential_type": "ManualConfig", "access_key_mode": "plain",
        "access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key_mode": "new",
        "cross_account": "on", "role_arn": ROLE, "region": "us-east-1", **extra,
    }  # fmt: skip


def test_chain_rows_are_added_and_removed_without_javascript(api_server: ApiServer) -> None:
    identifier = f"rows_{uuid.uuid4().hex[:8]}"
    client, csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        added = client.post("/ui/new-connector", data=_form(csrf, identifier, go="add-hop"))
        assert added.status_code == 200
        assert 'for="chain_role_arn_0">Role 2 ARN' in added.text
        assert 'name="chain_rows" value="1"' in added.text
        assert "2. Credentials" in added.text and "Some fields need a change" not in added.text
        two = _form(csrf, identifier, chain_rows="2", chain_role_arn_0="arn:aws:iam::1:role/x",
                    chain_role_arn_1="arn:aws:iam::123456789012:role/third",
                    go="remove-hop-0")  # fmt: skip
        removed = client.post("/ui/new-connector", data=two)
        assert 'name="chain_rows" value="1"' in removed.text
        assert 'value="arn:aws:iam::123456789012:role/third"' in removed.text
        assert "role/x" not in removed.text
        full = _form(csrf, identifier, chain_rows="5", go="add-hop")
        at_most = client.post("/ui/new-connector", data=full)
        assert "Add another role (chain)" not in at_most.text
        assert "at most 5 further roles" in at_most.text
        assert client.get(f"/ui/connectors/{identifier}").status_code == 404  # nothing saved


def test_the_oidc_fragment_follows_the_role_arn(api_server: ApiServer) -> None:
    client, _csrf = http_session(api_server.url, api_server.token)
    with contextlib.closing(client):
        answer = client.get(
            "/ui/oidc-trust",
            params={"org": "eng", "project": "web", "identifier": "deploy", "iam_role_arn": ROLE},
        )
    assert answer.status_code == 200
    assert "account/default:org/eng:project/web:connector/deploy" in answer.text
    assert "This server has no OIDC issuer URL" in answer.text  # api_server has none
    assert "Trust policy of the role" not in answer.text
