"""A wrong master key is MASTER_KEY_MISMATCH in every command, naming the key and where keys are."""

from __future__ import annotations

import base64
import json
import os

from store_fixtures import ProcessCli, manual_connector_yaml

OTHER_KEY = base64.b64encode(bytes(range(50, 82))).decode()


def _connector_with_secrets(cli: ProcessCli) -> str:
    assert cli("secret", "create", "access_key", input="AKIAMISMATCH00001\n").code == 0
    assert cli("secret", "create", "secret_key", input="mismatch-secret\n").code == 0
    (cli.home / "c.yaml").write_text(manual_connector_yaml("c1"))
    assert cli("connector", "apply", "-f", str(cli.home / "c.yaml")).code == 0
    key_file = cli.home / "master.key"
    return key_file.read_text().split(":")[0]


COMMANDS = [
    ("credentials", "c1"),
    ("connector", "regions", "c1", "--here"),
    ("exec", "c1", "--", "true"),
    ("secret", "reencrypt"),
    ("secret", "create", "sealed_with_the_wrong_key"),  # nothing sealed under a wrong key
    ("secret", "update", "secret_key"),
]


def test_every_command_says_master_key_mismatch(store_cli: ProcessCli) -> None:
    cli = store_cli
    kid = _connector_with_secrets(cli)
    key_file = cli.home / "master.key"

    # Keys from the environment, none of them the one the secrets need.
    other = {"AWSCONN_MASTER_KEY": f"other:{OTHER_KEY}"}
    for argv in (("credentials", "c1"), ("secret", "create", "new_one")):
        done = cli(*argv, input="value\n", **other)
        assert done.code == 1 and "error [MASTER_KEY_MISMATCH]" in done.err, (argv, done.err)
        assert repr(kid) in done.err and "loaded from AWSCONN_MASTER_KEY (other)" in done.err

    # The key file holds the right id with other bytes: every command says so.
    fd = os.open(key_file, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, f"{kid}:{OTHER_KEY}\n".encode())
    os.close(fd)
    for argv in COMMANDS:
        done = cli(*argv, input="value\n")
        assert done.code == 1, (argv, done)
        assert "error [MASTER_KEY_MISMATCH]" in done.err, (argv, done.err)
        assert repr(kid) in done.err and str(key_file) in done.err, (argv, done.err)
    tested = cli("connector", "test", "c1", "-o", "json")
    assert tested.code == 1
    errors = json.loads(tested.out)["errors"]
    assert [e["code"] for e in errors] == ["MASTER_KEY_MISMATCH"]
    assert repr(kid) in errors[0]["message"] and str(key_file) in errors[0]["message"]
    before = key_file.read_text()
    done = cli("secret", "rotate-key")  # checked before a key is written
    assert done.code == 1 and "error [MASTER_KEY_MISMATCH]" in done.err
    assert key_file.read_text() == before
    listed = json.loads(cli("secret", "list", "-o", "json").out)
    assert sorted((s["identifier"], s["version"]) for s in listed) == [
        ("access_key", 1),
        ("secret_key", 1),
    ]
