"""AES-GCM sealing, the keyring's sources and rotation, and SecretValue's discretion."""

from __future__ import annotations

import base64
import os
import pickle
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from awsconn.errors import InternalError, InvalidInput
from awsconn.secrets.crypto import (
    KEY_FILE_NAME,
    MASTER_KEY_ENV,
    Keyring,
    SecretValue,
    secret_aad,
)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))
AAD = secret_aad("org1", "proj1", "db_password")


def test_round_trip_and_fresh_nonce_each_time() -> None:
    ring = Keyring([("a", KEY_A)])
    first = ring.encrypt(b"s3cret", aad=AAD)
    second = ring.encrypt(b"s3cret", aad=AAD)
    assert first.key_id == "a"
    assert len(first.nonce) == 12
    assert first.nonce != second.nonce and first.ciphertext != second.ciphertext
    assert b"s3cret" not in first.ciphertext
    assert ring.decrypt(first, aad=AAD) == b"s3cret"
    assert ring.decrypt(second, aad=AAD) == b"s3cret"


@pytest.mark.parametrize("part", ["ciphertext", "nonce"])
def test_tampering_is_detected(part: str) -> None:
    ring = Keyring([("a", KEY_A)])
    sealed = ring.encrypt(b"s3cret", aad=AAD)
    data = bytearray(getattr(sealed, part))
    data[0] ^= 0x01
    with pytest.raises(InternalError, match="cannot be decrypted"):
        ring.decrypt(replace(sealed, **{part: bytes(data)}), aad=AAD)


@pytest.mark.parametrize(
    "other",
    [
        secret_aad("org1", "proj1", "other_secret"),
        secret_aad("org2", "proj1", "db_password"),
        secret_aad("org1", None, "db_password"),
        secret_aad(None, None, "db_password"),
    ],
)
def test_ciphertext_is_bound_to_its_scope_and_identifier(other: bytes) -> None:
    ring = Keyring([("a", KEY_A)])
    sealed = ring.encrypt(b"s3cret", aad=AAD)
    with pytest.raises(InternalError, match="moved to another secret"):
        ring.decrypt(sealed, aad=other)


def test_aad_is_unambiguous() -> None:
    assert secret_aad("a", "bc", "d") != secret_aad("ab", "c", "d")
    assert secret_aad(None, None, "x") == secret_aad("", "", "x")


def test_rotation_old_key_still_decrypts_new_writes_use_newest() -> None:
    old = Keyring([("2024", KEY_A)])
    sealed_old = old.encrypt(b"v1", aad=AAD)
    rotated = Keyring.from_environment({MASTER_KEY_ENV: f"2025:{b64(KEY_B)},2024:{b64(KEY_A)}"})
    assert rotated.key_ids == ("2025", "2024")
    assert rotated.decrypt(sealed_old, aad=AAD) == b"v1"
    sealed_new = rotated.encrypt(b"v2", aad=AAD)
    assert sealed_new.key_id == "2025"
    with pytest.raises(InternalError, match=r"'2025'.*not loaded") as info:
        old.decrypt(sealed_new, aad=AAD)
    assert MASTER_KEY_ENV in (info.value.hint or "")


def test_plain_base64_key_gets_a_stable_fingerprint_id() -> None:
    one = Keyring.from_environment({MASTER_KEY_ENV: b64(KEY_A)})
    two = Keyring.from_environment({MASTER_KEY_ENV: f"  {b64(KEY_A)}\n"})
    assert one.current_key_id == two.current_key_id
    assert one.current_key_id != Keyring.from_environment({MASTER_KEY_ENV: b64(KEY_B)}).key_ids[0]
    assert b64(KEY_A) not in one.current_key_id


def test_urlsafe_base64_is_accepted() -> None:
    key = b"\xfb\xff" * 16
    ring = Keyring.from_environment({MASTER_KEY_ENV: base64.urlsafe_b64encode(key).decode()})
    assert ring.decrypt(ring.encrypt(b"x", aad=AAD), aad=AAD) == b"x"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!!", "not valid base64"),
        (b64(b"short"), "is 5 bytes; AES-256 needs 32"),
        (f"bad id!:{b64(KEY_A)}", "key id 'bad id!'"),
        (f"a:{b64(KEY_A)},a:{b64(KEY_B)}", "appears twice"),
        (",,", "holds no master key"),
    ],
)
def test_bad_master_key_is_a_clear_error(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        Keyring.from_environment({MASTER_KEY_ENV: value})
    assert MASTER_KEY_ENV in str(info.value)
    assert b64(KEY_A) not in str(info.value)


def test_key_file_is_created_0600_on_first_use_and_reused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = Keyring.from_environment({}, home=home)
    path = home / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    sealed = first.encrypt(b"x", aad=AAD)
    second = Keyring.from_environment({"AWSCONN_HOME": str(home)})
    assert second.key_ids == first.key_ids
    assert second.decrypt(sealed, aad=AAD) == b"x"
    assert list(home.iterdir()) == [path]  # no temporary file left behind


def test_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    ring = Keyring.from_environment({MASTER_KEY_ENV: f"env:{b64(KEY_A)}"}, home=tmp_path)
    assert ring.key_ids == ("env",)
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    Keyring.from_environment({}, home=tmp_path)
    path = tmp_path / KEY_FILE_NAME
    os.chmod(path, 0o644)
    with pytest.raises(InvalidInput, match="readable by other users") as info:
        Keyring.from_environment({}, home=tmp_path)
    assert info.value.hint == f"chmod 600 {path}"


def test_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"k1:@@@@\n")
    os.close(fd)
    with pytest.raises(InvalidInput, match="not valid base64"):
        Keyring.from_environment({}, home=tmp_path)


def test_key_file_in_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InvalidInput, match="cannot create the master key file"):
        Keyring.from_environment({}, home=blocker / "home")


def test_keyring_repr_shows_ids_only() -> None:
    ring = Keyring([("a", KEY_A)])
    assert repr(ring) == "Keyring(key_ids=['a'])"


def test_secret_value_never_shows_itself() -> None:
    value = SecretValue("hunter2")
    for shown in (repr(value), str(value), f"{value}", f"{value!r}", f"{value:>20}"):
        assert "hunter2" not in shown
    assert value.reveal() == b"hunter2"
    assert value.reveal_text() == "hunter2"
    assert value == SecretValue(b"hunter2")
    assert value != SecretValue("other")
    assert "hunter2" not in repr({"k": value, "l": [value]})
    with pytest.raises(TypeError):
        pickle.dumps(value)
    with pytest.raises(TypeError):
        hash(value)


def test_binary_secret_value_is_not_text() -> None:
    with pytest.raises(InvalidInput, match="binary"):
        SecretValue(b"\xff\xfe").reveal_text()
