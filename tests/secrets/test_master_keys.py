"""The key file: made 0600 only when asked, read safely, rewritten under a lock, symlinks kept."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from awsconn.errors import InvalidInput
from awsconn.secrets.master_keys import KEY_FILE_NAME, MASTER_KEY_ENV, MasterKeys

KEY = "ZmFrZS1rZXktZmFrZS1rZXktZmFrZS1rZXktZmFrZSE="  # 32 bytes, base64


def test_nothing_configured_loads_nothing_and_creates_nothing(tmp_path: Path) -> None:
    keys = MasterKeys({}, home=tmp_path / "home")
    assert keys.load() is None
    assert not (tmp_path / "home").exists()
    assert keys.where == f"{MASTER_KEY_ENV} (not set), then the key file {keys.key_file}"


def test_key_file_is_created_0600_in_a_0700_home_and_reused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = MasterKeys({}, home=home).create()
    path = home / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    second = MasterKeys({"AWSCONN_HOME": str(home)}).load()
    assert second is not None and second.key_ids == first.key_ids
    assert second.source == str(path)
    assert MasterKeys({}, home=home).create().key_ids == first.key_ids  # never replaced
    leftovers = {p.name for p in home.iterdir()} - {KEY_FILE_NAME, f".{KEY_FILE_NAME}.lock"}
    assert leftovers == set()  # no temporary file left behind


def test_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    keys = MasterKeys({MASTER_KEY_ENV: f"env:{KEY}"}, home=tmp_path)
    ring = keys.load()
    assert ring is not None and ring.key_ids == ("env",) and ring.source == MASTER_KEY_ENV
    assert keys.from_environment and keys.where == MASTER_KEY_ENV
    assert not (tmp_path / KEY_FILE_NAME).exists()
    with pytest.raises(InvalidInput, match="does not write"):
        keys.add_key()


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    MasterKeys({}, home=tmp_path).create()
    path = tmp_path / KEY_FILE_NAME
    os.chmod(path, 0o644)
    with pytest.raises(InvalidInput, match="readable by other users") as info:
        MasterKeys({}, home=tmp_path).load()
    assert info.value.hint == f"chmod 600 {path}"


def test_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"k1:@@@@\n")
    os.close(fd)
    with pytest.raises(InvalidInput, match="not valid base64"):
        MasterKeys({}, home=tmp_path).load()


def test_key_file_in_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InvalidInput, match="cannot create the master key file"):
        MasterKeys({}, home=blocker / "home").create()


def test_home_open_to_others_is_reported_when_keys_are_read(tmp_path: Path) -> None:
    MasterKeys({}, home=tmp_path).create()
    os.chmod(tmp_path, 0o755)
    seen: list[str] = []
    MasterKeys({}, home=tmp_path, warn=seen.append).load()
    assert seen == [
        f"awsconn's home folder {tmp_path} is open to other users (mode 755); "
        f"fix: chmod 700 {tmp_path}"
    ]


def test_concurrent_rotations_keep_every_new_key(tmp_path: Path) -> None:
    """Each rotation reads the file and writes it back with its key first: under the lock
    none of them writes over another's key."""
    first = MasterKeys({}, home=tmp_path).create()
    added: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def rotate() -> None:
        try:
            start.wait()
            added.append(MasterKeys({}, home=tmp_path).add_key())
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ring = MasterKeys({}, home=tmp_path).load()
    assert ring is not None
    assert set(ring.key_ids) == {*added, *first.key_ids}
    assert ring.key_ids[-1] == first.current_key_id  # the oldest stays last
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600


def test_a_symlinked_key_file_is_written_through(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    real = vault / "awsconn.key"
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    first = MasterKeys({}, home=vault).create()
    (vault / KEY_FILE_NAME).rename(real)
    (home / KEY_FILE_NAME).symlink_to(real)
    kid = MasterKeys({}, home=home).add_key()
    link = home / KEY_FILE_NAME
    assert link.is_symlink() and link.resolve() == real
    ring = MasterKeys({}, home=home).load()
    assert ring is not None and ring.key_ids == (kid, first.current_key_id)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_a_dangling_symlink_is_a_clear_error_not_a_new_key(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).symlink_to(tmp_path / "gone.key")
    with pytest.raises(InvalidInput, match=r"is a symlink to .*gone\.key, which does not exist"):
        MasterKeys({}, home=tmp_path).load()
    assert not (tmp_path / "gone.key").exists()
