"""``client.secrets`` against a real server: values go in (bytes or text) and never come
back; metadata is the service's model."""

from __future__ import annotations

import json

import pytest
from client_fixtures import connector_doc

from api_fixtures import ApiServer
from awsconn.client import Client
from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.model.results import SecretMetadata
from awsconn.service.context import AppContext

VALUE = "CANARY-client-secret-5e1f"


def _stored_value(api_server: ApiServer, ref: str) -> bytes:
    """What the server's store holds, opened with its own keys (the test's only way in)."""
    org, _, identifier = ref.rpartition("/")
    ctx = AppContext(environ=api_server.service_environ())
    try:
        return ctx.secrets.reveal(org=org or None, project=None, identifier=identifier).reveal()
    finally:
        ctx.close()


def test_create_update_get_list_delete(
    client: Client, api_server: ApiServer, unique_name: str
) -> None:
    ref = f"o{unique_name}/{unique_name}"
    made = client.secrets.create(ref, VALUE.encode(), description="deploy key")
    assert isinstance(made, SecretMetadata)
    assert (made.ref, made.org, made.identifier, made.description) == (
        ref, f"o{unique_name}", unique_name, "deploy key"
    )  # fmt: skip
    assert _stored_value(api_server, ref) == VALUE.encode()
    updated = client.secrets.update(ref, "new-value")
    assert updated.description == "deploy key"  # None keeps it
    assert updated.updated_at >= made.updated_at
    assert _stored_value(api_server, ref) == b"new-value"
    assert client.secrets.update(ref, "v3", description="").description == ""
    assert client.secrets.get(ref).ref == ref
    assert [m.ref for m in client.secrets.list(org=f"o{unique_name}")] == [ref]
    with pytest.raises(Conflict):
        client.secrets.create(ref, "again")
    client.secrets.delete(ref)
    with pytest.raises(NotFound):
        client.secrets.get(ref)


def test_no_answer_holds_the_value(client: Client, unique_name: str) -> None:
    made = client.secrets.create(unique_name, VALUE)
    for shown in (made, client.secrets.get(unique_name), *client.secrets.list()):
        assert VALUE not in json.dumps(shown.wire()) and VALUE not in repr(shown)


def test_a_secret_in_use_needs_force(client: Client, unique_name: str) -> None:
    client.secrets.create(unique_name, "sk")
    client.connectors.apply(connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", unique_name))
    with pytest.raises(Conflict) as err:
        client.secrets.delete(unique_name)
    assert f"used by connector {unique_name}" in err.value.message
    client.secrets.delete(unique_name, force=True)
    with pytest.raises(NotFound):
        client.secrets.get(unique_name)


def test_a_value_that_is_not_text_is_refused_before_sending_without_echo(
    client: Client, unique_name: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        client.secrets.create(unique_name, b"\xff\xfeCANARY-binary")
    assert "CANARY" not in str(err.value) and "not UTF-8" in err.value.message
    with pytest.raises(NotFound):
        client.secrets.get(unique_name)
