"""``awsconn oidc keys`` and ``rotate-key`` on the local store; refused against a server."""

from __future__ import annotations

import json

import pytest
from cli_fixtures import Runner


def test_rotate_then_list(cli: Runner) -> None:
    assert "no signing key yet" in cli("oidc", "keys").out
    first = json.loads(cli("oidc", "rotate-key", "-o", "json").out)
    assert first["retired"] == []
    second = cli("oidc", "rotate-key")
    assert second.code == 0, second.text
    assert f"retired {first['kid']}: still in the JWKS until" in second.out
    keys = json.loads(cli("oidc", "keys", "-o", "json").out)
    assert [k["signing"] for k in keys] == [True, False]
    assert keys[1]["kid"] == first["kid"] and keys[1]["publishedUntil"]
    assert "-----BEGIN" not in cli("oidc", "keys").out


def test_against_a_server_it_is_refused(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWSCONN_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWSCONN_TOKEN", "awsc_" + "x" * 43)
    r = cli("oidc", "rotate-key")
    assert r.code == 2 and "works on a local store only" in r.err


def test_rotating_the_master_key_says_it_resealed_the_signing_keys(cli: Runner) -> None:
    assert cli("oidc", "rotate-key").code == 0
    done = cli("secret", "rotate-key")
    assert done.code == 0, done.text
    assert "0 secrets and 1 OIDC signing key re-encrypted under it" in done.out
    again = cli("secret", "reencrypt")
    assert again.code == 0 and "0 secrets re-encrypted" in again.out, again.text
