"""An ``OidcAuthentication`` connector with ``executeOnDelegate: true`` runs on a delegate:
the server (the issuer) signs the ID token when the task is handed out, the delegate
exchanges it (AssumeRoleWithWebIdentity against the moto server without enforcement:
the call is unsigned, TESTING.md) and answers; the token is in no log and no task row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_fixtures import DelegateProcess, DelegateServer, add_connector, delegate_token

from awsconn.aws.local_endpoint import LocalAwsEndpoint

pytestmark = [pytest.mark.aws, pytest.mark.timeout(180)]


class IssuingServer(DelegateServer):
    """A delegate server that is also the OIDC issuer, at its own loopback URL."""

    def command(self) -> list[str]:
        return [*super().command(), "--issuer-url", self.url]


@pytest.fixture(scope="module")
def issuing_server(
    tmp_path_factory: pytest.TempPathFactory, moto_noauth: LocalAwsEndpoint
) -> Iterator[IssuingServer]:
    workdir = tmp_path_factory.mktemp("oidc-delegate-api")
    with IssuingServer(workdir, aws_endpoint=moto_noauth.url) as server:
        yield server


def test_an_oidc_connector_tests_success_through_its_delegate(
    issuing_server: IssuingServer, moto_noauth: LocalAwsEndpoint, module_dir: Path
) -> None:
    role = moto_noauth.create_role("oidc-delegate-role", web_identity=True)
    add_connector(
        issuing_server,
        "oidc_d",
        credential={"type": "OidcAuthentication", "spec": {"iamRoleArn": role.arn}},
        selectors=["keyless"],
        execute_on_delegate=True,
    )
    delegate = DelegateProcess(
        issuing_server,
        module_dir,
        name="keyless",
        tags=["keyless"],
        token=delegate_token(issuing_server),
        aws_endpoint=moto_noauth.url,
    )
    with delegate:
        delegate.wait_connected()
        with issuing_server.client() as http:
            answer = http.post("/ng/api/connectors/testConnection/oidc_d")
        assert answer.status_code == 200, answer.text
        result = answer.json()["data"]
        assert result["status"] == "SUCCESS", result
        assert result["delegateName"] == "keyless"
        assert result["identity"]["credentialMethod"] == "assume-role-with-web-identity"
        assert ":assumed-role/oidc-delegate-role/" in result["identity"]["arn"]
        logs = delegate.logs() + issuing_server.logs()

    db = sqlite3.connect(issuing_server.home / "awsconn.db")
    try:
        rows = "\n".join(repr(r) for r in db.execute("SELECT * FROM tasks"))
    finally:
        db.close()
    assert rows, "the test ran as a task"
    for text in (logs, rows):
        assert "eyJ" not in text  # no JWT (its header always starts so) in a log or a row
