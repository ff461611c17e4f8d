"""``awsconn login URL`` (token on stdin, checked with the server, saved 0600),
``awsconn whoami``, ``awsconn logout``: the commands use the server in between and the
local store before and after."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from client_fixtures import Result, Runner, _runner

from api_fixtures import ApiServer


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def plain_cli(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """The CLI with only a home of its own: no AWSCONN_URL, no token in the environment."""
    return _runner(monkeypatch, capsys, {"AWSCONN_HOME": str(home)})


def test_login_checks_the_token_then_saves_it_private(
    plain_cli: Runner, api_server: ApiServer, home: Path, unique_name: str
) -> None:
    assert plain_cli("whoami").out.startswith(f"local store {home}")
    old = os.umask(0o022)
    try:
        r = plain_cli("login", api_server.url, input=api_server.token + "\n")
    finally:
        os.umask(old)
    assert r.code == 0, r.text
    path = home / "login.json"
    assert f"logged in to {api_server.url}" in r.err and str(path) in r.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": api_server.url, "token": api_server.token}
    assert api_server.token not in r.text
    who = json.loads(plain_cli("whoami", "-o", "json").out)
    caller = who.pop("caller")
    assert who == {
        "server": api_server.url,
        "configuredBy": f"the login file {path}",
        "tokenAccepted": True,
    }
    assert (caller["name"], caller["kind"], caller["role"], caller["scope"]) == (
        "bootstrap-admin", "api", "admin", None
    )  # fmt: skip
    assert caller["access"] is True and len(caller["tokenId"]) == 16
    # the commands now run on the server
    assert plain_cli("secret", "create", unique_name, input="v").code == 0
    listed = json.loads(plain_cli("secret", "list", "-o", "json").out)
    assert unique_name in [s["ref"] for s in listed]
    out = plain_cli("logout")
    assert out.code == 0 and f"{path} removed" in out.err
    assert not path.exists()
    local = json.loads(plain_cli("secret", "list", "-o", "json").out)
    assert unique_name not in [s["ref"] for s in local]


def test_a_refused_token_is_not_saved(plain_cli: Runner, api_server: ApiServer, home: Path) -> None:
    token = "awsc_" + "W" * 43
    r = plain_cli("login", api_server.url, input=token)
    assert r.code == 2 and "error [UNAUTHENTICATED]" in r.err
    assert token not in r.text
    assert not (home / "login.json").exists()


def test_login_refuses_what_is_not_a_server_address_or_a_token(
    plain_cli: Runner, api_server: ApiServer, home: Path
) -> None:
    bad_url: Result = plain_cli("login", "ftp://example", input=api_server.token)
    assert bad_url.code == 2 and "url: is not the address of an awsconn server" in bad_url.err
    empty = plain_cli("login", api_server.url, input="")
    assert empty.code == 2 and "no API token was given" in empty.err
    spaced = plain_cli("login", api_server.url, input="awsc_a b")
    assert spaced.code == 2 and "the API token is not valid" in spaced.err
    assert not (home / "login.json").exists()


def test_whoami_with_the_environment_names_it(
    api_server: ApiServer,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"AWSCONN_HOME": str(home), "AWSCONN_URL": api_server.url}
    r = _runner(monkeypatch, capsys, {**env, "AWSCONN_TOKEN": api_server.token})("whoami")
    assert r.code == 0, r.text
    server_line, caller_line = r.out.strip().splitlines()
    assert server_line == (
        f"server {api_server.url} (configured by AWSCONN_URL and AWSCONN_TOKEN); "
        "it accepts the token"
    )
    assert caller_line.startswith("caller: bootstrap-admin (api token ")
    assert caller_line.endswith("): admin in the account, with connector access")
    refused = _runner(monkeypatch, capsys, {**env, "AWSCONN_TOKEN": "awsc_" + "V" * 43})("whoami")
    assert refused.code == 2 and "error [UNAUTHENTICATED]" in refused.err
