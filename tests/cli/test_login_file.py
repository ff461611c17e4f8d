"""Where the CLI's commands run: AWSCONN_URL + AWSCONN_TOKEN, else the login file (kept
as the master key file is: 0600, never a symlink or a file others can read), else the
local store."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cli_fixtures import Runner

from awsconn.cli.remote import LOGIN_FILE, Remote, forget_login, resolve, save_login
from awsconn.errors import InvalidInput

TOKEN = "awsc_" + "L" * 43


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"AWSCONN_HOME": str(home), **extra}


def test_no_server_configured_means_the_local_store(tmp_path: Path) -> None:
    assert resolve(_env(tmp_path)) is None


def test_the_environment_names_a_server_without_any_file(tmp_path: Path) -> None:
    remote = resolve(_env(tmp_path, AWSCONN_URL="http://s:1", AWSCONN_TOKEN=TOKEN))
    assert remote == Remote("http://s:1", TOKEN, "AWSCONN_URL and AWSCONN_TOKEN")
    assert not (tmp_path / LOGIN_FILE).exists()


@pytest.mark.parametrize("given", ["AWSCONN_URL", "AWSCONN_TOKEN"])
def test_half_of_the_environment_is_bad_input_naming_the_other_half(
    tmp_path: Path, given: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        resolve(_env(tmp_path, **{given: "x"}))
    other = "AWSCONN_TOKEN" if given == "AWSCONN_URL" else "AWSCONN_URL"
    assert f"{given} is set but {other} is not" in err.value.message


def test_the_environment_wins_over_the_login_file(tmp_path: Path) -> None:
    save_login(_env(tmp_path), "http://file:1", TOKEN)
    remote = resolve(_env(tmp_path, AWSCONN_URL="http://env:2", AWSCONN_TOKEN=TOKEN))
    assert remote is not None and remote.url == "http://env:2"


def test_the_login_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = save_login(_env(tmp_path / "home"), "http://s:1", TOKEN)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"url": "http://s:1", "token": TOKEN}
    remote = resolve(_env(tmp_path / "home"))
    assert remote is not None and (remote.url, remote.token) == ("http://s:1", TOKEN)
    assert TOKEN not in repr(remote)


def test_a_login_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = save_login(_env(tmp_path), "http://s:1", TOKEN)
    path.chmod(0o644)
    with pytest.raises(InvalidInput) as err:
        resolve(_env(tmp_path))
    assert "open to other users (mode 644)" in err.value.message
    assert err.value.hint is not None and f"chmod 600 {path}" in err.value.hint
    assert TOKEN not in err.value.message + err.value.hint


def test_a_login_file_that_is_a_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"url": "http://evil:1", "token": TOKEN}))
    elsewhere.chmod(0o600)
    (tmp_path / LOGIN_FILE).symlink_to(elsewhere)
    with pytest.raises(InvalidInput) as err:
        resolve(_env(tmp_path))
    assert "is a symlink" in err.value.message
    with pytest.raises(InvalidInput):  # nor written through
        save_login(_env(tmp_path), "http://s:1", TOKEN)
    assert json.loads(elsewhere.read_text())["url"] == "http://evil:1"


def test_a_login_file_awsconn_did_not_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / LOGIN_FILE
    path.write_text("url=http://s:1\n")
    path.chmod(0o600)
    with pytest.raises(InvalidInput) as err:
        resolve(_env(tmp_path))
    assert "is not a login awsconn wrote" in err.value.message


def test_forgetting_removes_the_file_once(tmp_path: Path) -> None:
    path = save_login(_env(tmp_path), "http://s:1", TOKEN)
    assert forget_login(_env(tmp_path)) == path
    assert not path.exists()
    assert forget_login(_env(tmp_path)) is None


@pytest.mark.parametrize(
    "argv",
    [["secret", "rotate-key"], ["secret", "reencrypt"], ["token", "bootstrap"], ["demo"]],
)
def test_local_store_commands_say_so_against_a_server(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setenv("AWSCONN_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWSCONN_TOKEN", TOKEN)
    r = cli(*argv)
    assert r.code == 2, r.text
    assert "works on a local store only" in r.err and "http://127.0.0.1:9" in r.err
    assert TOKEN not in r.text


def test_a_broken_login_file_stops_every_remote_capable_command(
    cli: Runner, awsconn_home: Path
) -> None:
    path = save_login({"AWSCONN_HOME": str(awsconn_home)}, "http://127.0.0.1:9", TOKEN)
    path.chmod(0o640)
    for argv in (["connector", "list"], ["credentials", "x"], ["secret", "list"]):
        r = cli(*argv)
        assert r.code == 2, (argv, r.text)
        assert "open to other users" in r.err
        assert TOKEN not in r.text
