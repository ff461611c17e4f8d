"""Canary: the token and secret values a client sends never come out of it: not in an
exception's message or repr, not in a repr of its objects, not in any log record (httpx
and httpcore at DEBUG included), not in what the CLI prints against a server."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from client_fixtures import Runner, connector_doc

from api_fixtures import ApiServer
from awsconn.client import Client, connect
from awsconn.errors import AwsconnError

VALUES = {
    "plain": "CANARY-client-9d2e-plain",
    "odd": "CANARY-client-'q' \"dq\" back\\slash 100%41 -6f1a",
    "uni": "CANARY-client-caf\u00e9-\u2603-0b3c",
    "crlf": "CANARY-client\r\nX-Evil: 1-44e0",
}


def _spellings(value: str) -> set[str]:
    forms = {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
        repr(value.encode())[2:-1],
    }
    return {f for f in forms if len(f) >= 12}


def _caught(call: Callable[[], Any], seen: list[str]) -> None:
    try:
        call()
    except AwsconnError as exc:
        seen += [str(exc), repr(exc), exc.message, exc.hint or "", json.dumps(exc.to_dict())]


def test_no_secret_value_or_token_leaves_the_client(
    client: Client,
    api_server: ApiServer,
    remote_cli: Runner,
    caplog: pytest.LogCaptureFixture,
    unique_name: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = [repr(client), repr(client.connectors), repr(client.secrets)]
    for name, value in VALUES.items():
        ref = f"{unique_name}_{name}"
        made = client.secrets.create(ref, value)
        seen += [repr(made), json.dumps(made.wire())]
        _caught(lambda r=ref, v=value: client.secrets.create(r, v), seen)  # Conflict
        _caught(lambda r=ref, v=value: client.secrets.update(f"{r}_absent", v), seen)
        _caught(lambda r=ref, v=value: client.secrets.create(f"{r} bad", v), seen)
        doc = connector_doc(f"{unique_name}_c_{name}", "ASIACANARYCLIENT0001", ref)
        doc["connector"]["spec"]["credential"]["spec"]["sessionTokenRef"] = ref
        client.connectors.apply(doc)
        outcome = client.connectors.test(f"{unique_name}_c_{name}")
        seen += [repr(outcome), json.dumps(outcome.wire())]
        _caught(lambda n=name: client.connectors.regions(f"{unique_name}_c_{n}"), seen)
        _caught(lambda n=name: client.connectors.check(f"{unique_name}_c_{n}", ["s3-read"]), seen)
        cli = remote_cli("connector", "test", f"{unique_name}_c_{name}", "-o", "json")
        seen.append(cli.text)
    made_token = client.tokens.create(f"{unique_name}_t", "viewer")
    seen += [repr(made_token), repr(made_token.info)]
    with connect(api_server.url, made_token.token) as weak:
        seen.append(repr(weak))
        _caught(lambda: weak.secrets.create(f"{unique_name}_w", VALUES["plain"]), seen)
    client.tokens.revoke(made_token.info.id)
    with connect(api_server.url, made_token.token) as revoked:
        _caught(lambda: revoked.connectors.list(), seen)
    _caught(lambda: connect(api_server.url, VALUES["crlf"]), seen)  # not a header value
    cli = remote_cli("secret", "create", f"{unique_name}_plain", input=VALUES["plain"])
    seen.append(cli.text)  # a duplicate: the CLI's error line
    everything = "\n".join(seen) + "\n" + caplog.text
    for said in ("already exists", "not found", "no valid API token", "FORBIDDEN", "FAILURE"):
        assert said in everything  # the errors and outcomes above were all seen
    assert "HTTP Request: POST" in caplog.text  # httpx's own log was recorded
    assert "CANARY-client" not in everything
    for value in (*VALUES.values(), api_server.token, made_token.token):
        for form in _spellings(value):
            assert form not in everything, form
