"""No secret leaves the aws layer in a message: not plain, not escaped, not encoded."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from botocore.exceptions import HTTPClientError

from awsconn.aws.connectivity import run_connection_test
from awsconn.aws.diagnosis import CallContext, diagnose
from awsconn.aws.redaction import Redactor
from awsconn.aws.sessions import SessionSpec, StaticKeys
from awsconn.errors import AwsCallFailed, AwsFailure, InternalError
from awsconn.service.connectivity import history_entry

# Every kind of character that a spelling escapes differently.
TOKEN = "tok-CANARY\r\nX-Evil: 'q' \"dq\" back\\slash 100% caf\u00e9 \u2603-9e0f"


def every_spelling(value: str) -> list[str]:
    """What a message could hold: the value as Python, bytes, JSON and URLs write it."""
    return [
        value,
        repr(value)[1:-1],
        ascii(value)[1:-1],
        repr(value.encode())[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(value, safe="")),
    ]


def assert_clean(text: str, value: str = TOKEN) -> None:
    for spelling in every_spelling(value):
        assert spelling not in text, spelling
    assert "CANARY" not in text


@pytest.mark.parametrize("spelling", every_spelling(TOKEN))
def test_each_spelling_of_a_secret_is_replaced(spelling: str) -> None:
    text = f"before {spelling} after"
    assert Redactor([TOKEN]).text(text) == "before *** after"


def test_latin1_bytes_repr_is_replaced_too() -> None:
    value = "CANARY-caf\u00e9-secret"
    text = f"Invalid header value {value.encode('latin-1')!r}"
    assert "CANARY" not in Redactor([value]).text(text)


def test_very_short_values_are_not_replaced_everywhere() -> None:
    assert Redactor(["x"]).text("explicit proxy") == "explicit proxy"


def test_an_http_client_error_with_the_token_as_bytes_is_cleaned() -> None:
    # What http.client raised for a session token with CR/LF, through botocore.
    exc = HTTPClientError(error=ValueError(f"Invalid header value {TOKEN.encode()!r}"))
    failure = diagnose(exc, CallContext(region="us-east-1", secrets=(TOKEN,)))
    assert failure.code == "ENDPOINT_UNREACHABLE"
    assert_clean(failure.message + failure.hint)


def test_an_exception_nobody_classifies_becomes_a_clean_internal_error() -> None:
    exc = RuntimeError(f"weird: {TOKEN!r}")
    with pytest.raises(InternalError) as info:
        diagnose(exc, CallContext(region="us-east-1", secrets=(TOKEN,)))
    assert_clean(info.value.message)
    assert "RuntimeError" in info.value.message


def test_an_awsconn_failure_passed_through_is_cleaned() -> None:
    inner = AwsCallFailed(AwsFailure("THROTTLED", f"x {json.dumps(TOKEN)}", f"h {quote(TOKEN)}"))
    failure = diagnose(inner, CallContext(region="us-east-1", secrets=(TOKEN,)))
    assert_clean(failure.message + failure.hint)


class _LeakyFactory:
    """Answers like botocore did when the token held CR/LF."""

    def client(self, spec: SessionSpec, service: str, **_: Any) -> Any:
        raise HTTPClientError(error=ValueError(f"Invalid header value {TOKEN.encode()!r}"))

    def credential_method(self, spec: SessionSpec) -> str:
        return "explicit"

    def call_context(self, spec: SessionSpec, stage: Any = "call") -> CallContext:
        return CallContext(region=spec.region, stage=stage)  # knows no secret at all


@pytest.mark.parametrize("where", ["secret_access_key", "session_token"])
def test_a_connection_test_result_holds_no_secret_of_its_spec(where: str) -> None:
    values = {"secret_access_key": "plain-secret", "session_token": "plain-token", where: TOKEN}
    keys = StaticKeys("AKIACANARY0000000001", **values)
    spec = SessionSpec("account/c", "ManualConfig", "us-east-1", static_keys=keys)
    result = run_connection_test(spec, _LeakyFactory(), timeout_s=5)  # type: ignore[arg-type]
    [error] = result.errors
    assert_clean(json.dumps(history_entry(result).wire()) + error.message + error.hint)
