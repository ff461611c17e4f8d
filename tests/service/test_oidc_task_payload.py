"""A delegate task of an OidcAuthentication connector carries the token the server
signed: the session payload round-trips it, its repr hides it, the wire holds it."""

from __future__ import annotations

from awsconn.aws.session_spec import SessionSpec, WebIdentity
from awsconn.model.results import SessionPayload
from awsconn.service.task_payloads import session_payload, spec_of_payload

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_the_session_payload_carries_the_web_identity() -> None:
    web = WebIdentity(
        "arn:aws:iam::123456789012:role/deploy",
        TOKEN,
        "https://awsconn.example.com",
        "sts.amazonaws.com",
        "account/default:connector/deploy",
    )
    spec = SessionSpec("account/deploy", "OidcAuthentication", "us-east-1", web_identity=web)
    payload = session_payload(spec)
    assert TOKEN not in repr(payload) and TOKEN not in repr(spec)
    wire = payload.wire()
    assert wire["webIdentity"]["token"] == TOKEN
    assert spec_of_payload(SessionPayload.model_validate(wire)) == spec
