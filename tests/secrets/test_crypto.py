"""AES-GCM sealing, keys from AWSCONN_MASTER_KEY, rotation, and SecretValue's discretion."""

from __future__ import annotations

import base64
import pickle
from dataclasses import replace

import pytest

from awsconn.errors import InvalidInput, MasterKeyMismatch
from awsconn.secrets.crypto import Keyring, SecretValue, secret_aad
from awsconn.secrets.master_keys import MASTER_KEY_ENV, MasterKeys


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))
AAD = secret_aad("org1", "proj1", "db_password", version=1, key_id="a")


def from_env(value: str) -> Keyring:
    ring = MasterKeys({MASTER_KEY_ENV: value}).load()
    assert ring is not None
    return ring


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
    with pytest.raises(MasterKeyMismatch, match="does not open with master key 'a'"):
        ring.decrypt(replace(sealed, **{part: bytes(data)}), aad=AAD)


@pytest.mark.parametrize(
    "other",
    [
        secret_aad("org1", "proj1", "other_secret", version=1, key_id="a"),
        secret_aad("org2", "proj1", "db_password", version=1, key_id="a"),
        secret_aad("org1", None, "db_password", version=1, key_id="a"),
        secret_aad(None, None, "db_password", version=1, key_id="a"),
        secret_aad("org1", "proj1", "db_password", version=2, key_id="a"),
        secret_aad("org1", "proj1", "db_password", version=1, key_id="b"),
        secret_aad("org1", "proj1", "db_password"),
    ],
)
def test_ciphertext_is_bound_to_its_scope_identifier_version_and_key_id(other: bytes) -> None:
    ring = Keyring([("a", KEY_A)])
    sealed = ring.encrypt(b"s3cret", aad=AAD)
    with pytest.raises(MasterKeyMismatch, match="moved to another secret or rolled back"):
        ring.decrypt(sealed, aad=other)


def test_aad_is_unambiguous() -> None:
    assert secret_aad("a", "bc", "d") != secret_aad("ab", "c", "d")
    assert secret_aad(None, None, "x") == secret_aad("", "", "x")
    assert secret_aad("a", "b", "c", version=12, key_id="3") != secret_aad(
        "a", "b", "c", version=1, key_id="23"
    )
    with pytest.raises(ValueError, match="both"):
        secret_aad("a", "b", "c", version=1)


def test_rotation_old_key_still_decrypts_new_writes_use_newest() -> None:
    old = Keyring([("2024", KEY_A)])
    sealed_old = old.encrypt(b"v1", aad=AAD)
    rotated = from_env(f"2025:{b64(KEY_B)},2024:{b64(KEY_A)}")
    assert rotated.key_ids == ("2025", "2024")
    assert rotated.decrypt(sealed_old, aad=AAD) == b"v1"
    sealed_new = rotated.encrypt(b"v2", aad=AAD)
    assert sealed_new.key_id == "2025"
    with pytest.raises(MasterKeyMismatch, match=r"'2025', which is not among") as info:
        Keyring([("2024", KEY_A)], source=MASTER_KEY_ENV).decrypt(sealed_new, aad=AAD)
    assert f"keys loaded from {MASTER_KEY_ENV} (2024)" in info.value.message
    assert MASTER_KEY_ENV in (info.value.hint or "")
    assert info.value.code == "MASTER_KEY_MISMATCH" and info.value.exit_code == 1


def test_plain_base64_key_gets_a_stable_fingerprint_id() -> None:
    one = from_env(b64(KEY_A))
    two = from_env(f"  {b64(KEY_A)}\n")
    assert one.current_key_id == two.current_key_id
    assert one.current_key_id != from_env(b64(KEY_B)).key_ids[0]
    assert b64(KEY_A) not in one.current_key_id


def test_urlsafe_base64_is_accepted() -> None:
    key = b"\xfb\xff" * 16
    ring = from_env(base64.urlsafe_b64encode(key).decode())
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
        from_env(value)
    assert MASTER_KEY_ENV in str(info.value)
    assert b64(KEY_A) not in str(info.value)


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
