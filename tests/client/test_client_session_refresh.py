"""``client.credentials`` and ``client.session``: a connector with a cross-account role gives
temporary credentials with an Expiration, and the boto3 Session fetches them from the
server again inside the refresh window (and not before); static keys stay as they are."""

from __future__ import annotations

import pytest
from botocore.credentials import RefreshableCredentials
from client_fixtures import connector_doc

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn
from awsconn.aws.session_spec import StaticKeys
from awsconn.client import Client
from awsconn.errors import Forbidden


def _issued(client: Client, ref: str) -> int:
    """How many times the server handed out the connector's credentials (its audit log)."""
    page = client.audit.page(page_size=1000)
    return sum(
        1 for e in page.events if e.action == "connector.credentials" and e.target.ref == ref
    )


@pytest.fixture
def role_connector(client: Client, moto_auth: LocalAwsEndpoint, unique_name: str) -> str:
    keys = moto_auth.create_user(
        unique_name, allow_policy("sts:AssumeRole", "sts:GetCallerIdentity")
    )
    assert keys is not None
    role = moto_auth.create_role(
        f"{unique_name}-role",
        trust_principal=user_arn(unique_name),
        policy=allow_policy("sts:GetCallerIdentity"),
    )
    client.secrets.create(f"{unique_name}_sk", keys.secret_access_key)
    doc = connector_doc(unique_name, keys.access_key_id, f"{unique_name}_sk", role_arn=role.arn)
    client.connectors.apply(doc)
    return unique_name


def test_a_role_gives_temporary_credentials_with_an_expiration(
    client: Client, role_connector: str
) -> None:
    creds = client.credentials(role_connector, timeout=30)
    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert creds.expiration is not None and creds.expiration.tzinfo is not None
    assert creds.secret_access_key not in repr(creds)


def test_the_session_fetches_again_inside_the_refresh_window(
    client: Client, moto_auth: LocalAwsEndpoint, role_connector: str
) -> None:
    before = _issued(client, role_connector)
    # The role's credentials live an hour: a window of two hours makes every use refresh.
    session = client.session(role_connector, advisory_refresh=7200, mandatory_refresh=60)
    assert session.region_name == "us-east-1"  # the connector's region
    sts = session.client("sts", endpoint_url=moto_auth.url)
    first = sts.get_caller_identity()["Arn"]
    assert f":assumed-role/{role_connector}-role/" in first
    after_first = _issued(client, role_connector)
    assert after_first - before >= 2  # made with one fetch, refreshed for the call
    sts.get_caller_identity()
    assert _issued(client, role_connector) > after_first


def test_the_session_keeps_its_credentials_outside_the_window(
    client: Client, moto_auth: LocalAwsEndpoint, role_connector: str
) -> None:
    before = _issued(client, role_connector)
    session = client.session(role_connector, region="eu-west-1")
    credentials = session.get_credentials()
    assert isinstance(credentials, RefreshableCredentials)
    assert credentials.method == "awsconn-server"
    sts = session.client("sts", endpoint_url=moto_auth.url)
    sts.get_caller_identity()
    sts.get_caller_identity()
    assert session.region_name == "eu-west-1"
    assert _issued(client, role_connector) - before == 1


def test_static_keys_are_used_as_they_are(
    client: Client, moto_auth: LocalAwsEndpoint, user_keys: StaticKeys, unique_name: str
) -> None:
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    client.connectors.apply(
        connector_doc(unique_name, user_keys.access_key_id, f"{unique_name}_sk")
    )
    session = client.session(unique_name)
    credentials = session.get_credentials()
    assert not isinstance(credentials, RefreshableCredentials)
    assert credentials.access_key == user_keys.access_key_id
    sts = session.client("sts", endpoint_url=moto_auth.url)
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{unique_name}")


def test_a_session_needs_connector_access(client: Client, role_connector: str) -> None:
    from awsconn.client import connect

    viewer = client.tokens.create(f"{role_connector}-v", "viewer")
    with connect(client.url, viewer.token) as weak, pytest.raises(Forbidden):
        weak.session(role_connector)
