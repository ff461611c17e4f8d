"""Secrets become a session spec in one place, which refuses values that cannot be keys.

Each refusal names the setting and the secret, never the value: with CR/LF in a session
token, http.client used to print the whole token in its error, and the connection test
stored that message in the history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from awsconn.errors import AwsCallFailed, AwsconnError, InternalError
from awsconn.model import parse_ref
from awsconn.secrets.master_keys import KEY_FILE_NAME
from awsconn.service import connection, connector_reads, connectors, secrets
from awsconn.service.context import AppContext, Runtime
from awsconn.service.session_specs import session_spec

SETTINGS = {
    "accessKeyRef": "AKIAGOOD000000000001",
    "secretKeyRef": "good-secret-key",
    "sessionTokenRef": "good-session-token",
}


def _context(tmp_path: Path) -> AppContext:
    return AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})


def _connector(ctx: AppContext, values: dict[str, str], *, role: bool = False) -> None:
    lines = ""
    for setting, value in values.items():
        secrets.create(ctx, parse_ref(setting.lower()), value.encode())
        lines += f"        {setting}: {setting.lower()}\n"
    doc = (
        "connector:\n  name: c\n  identifier: c\n  type: Aws\n  spec:\n    credential:\n"
        f"      type: ManualConfig\n      spec:\n{lines}      region: us-east-1\n"
        + (
            "      crossAccountAccess:\n"
            "        crossAccountRoleArn: arn:aws:iam::123456789012:role/target\n"
            if role
            else ""
        )
        + "    delegateSelectors: []\n"
    )
    connectors.apply_yaml(ctx, doc, mode="create")


def _spec_error(ctx: AppContext) -> AwsCallFailed:
    connector = connector_reads.load(ctx, parse_ref("c")).connector
    with pytest.raises(AwsCallFailed) as info:
        session_spec(ctx, connector)
    return info.value


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize(
    "bad",
    ["CANARY\r\nX-Evil: 1", "CANARY\nline-2", "CANARY\ttab", "CANARY\u2028x", "CANARY-\u2603"],
)
def test_a_key_or_token_that_cannot_be_sent_is_refused_naming_setting_and_secret(
    tmp_path: Path, setting: str, bad: str
) -> None:
    ctx = _context(tmp_path)
    _connector(ctx, {**SETTINGS, setting: bad})
    error = _spec_error(ctx)
    assert error.code == "INVALID_CREDENTIALS"
    assert f"spec.credential.spec.{setting}: secret {setting.lower()} contains" in error.message
    assert "CANARY" not in error.message + (error.hint or "")


def test_a_value_ending_in_a_newline_is_used_without_it(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    _connector(ctx, {k: v + "\n" for k, v in SETTINGS.items()})
    spec = session_spec(ctx, connector_reads.load(ctx, parse_ref("c")).connector)
    assert spec.static_keys is not None
    assert spec.static_keys.session_token == SETTINGS["sessionTokenRef"]


def test_missing_and_undecryptable_secrets_are_no_credentials_naming_each(
    tmp_path: Path,
) -> None:
    ctx = _context(tmp_path)
    _connector(ctx, SETTINGS)
    secrets.delete(ctx, parse_ref("sessiontokenref"), force=True)
    error = _spec_error(ctx)
    assert error.code == "NO_CREDENTIALS"
    assert "spec.credential.spec.sessionTokenRef: secret sessiontokenref not found" in error.message

    (tmp_path / "home" / KEY_FILE_NAME).unlink()  # the key that sealed them is gone
    later = _context(tmp_path)
    with pytest.raises(AwsconnError) as info:
        session_spec(later, connector_reads.load(later, parse_ref("c")).connector)
    assert info.value.code == "MASTER_KEY_MISSING"  # the store's code, as in every command
    assert "good-secret-key" not in info.value.message


class _BuggyFactory:
    """A session factory with a bug whose message quotes the secret it was given."""

    def frozen_credentials(self, spec: Any, **_: Any) -> Any:
        raise RuntimeError(f"cannot use {spec.static_keys.secret_access_key!r}")


def test_a_bug_below_the_service_surfaces_as_an_internal_error_without_the_secret(
    tmp_path: Path,
) -> None:
    ctx = _context(tmp_path)
    # With a role to assume the SDK is used (stored keys alone need no SDK call).
    _connector(ctx, {**SETTINGS, "secretKeyRef": "CANARY-it's \\ 100% secret"}, role=True)
    buggy = AppContext(runtime=Runtime(ctx.environ, sessions=_BuggyFactory()))  # type: ignore[arg-type]
    with pytest.raises(InternalError) as info:
        connection.credential_process_output(buggy, parse_ref("c"))
    assert "RuntimeError" in info.value.message
    assert "CANARY" not in info.value.message
