"""A lost key file is never silently replaced while secrets need it; rotations lose no key."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from awsconn.secrets.master_keys import MasterKeys
from store_fixtures import ProcessCli, manual_connector_yaml


def _store_with_secrets(cli: ProcessCli) -> str:
    assert cli("secret", "create", "access_key", input="AKIAMISSINGKEY001\n").code == 0
    assert cli("secret", "create", "secret_key", input="missing-key-secret\n").code == 0
    (cli.home / "c.yaml").write_text(manual_connector_yaml("c1"))
    assert cli("connector", "apply", "-f", str(cli.home / "c.yaml")).code == 0
    return (cli.home / "master.key").read_text().split(":")[0]


def test_a_missing_key_is_not_recreated_while_secrets_need_it(store_cli: ProcessCli) -> None:
    cli = store_cli
    kid = _store_with_secrets(cli)
    key_file = cli.home / "master.key"
    key_file.rename(cli.home / "master.key.bak")
    for argv, stdin in (
        (("secret", "create", "new_secret"), "value\n"),
        (("credentials", "c1"), None),
        (("secret", "rotate-key"), None),
        (("secret", "reencrypt"), None),
    ):
        done = cli(*argv, input=stdin)
        assert done.code == 1, (argv, done)
        assert "error [MASTER_KEY_MISSING]" in done.err, (argv, done.err)
        assert repr(kid) in done.err and str(key_file) in done.err, (argv, done.err)
        assert not key_file.exists(), argv
    tested = cli("connector", "test", "c1", "-o", "json")
    assert [e["code"] for e in json.loads(tested.out)["errors"]] == ["MASTER_KEY_MISSING"]
    listed = cli("secret", "list", "-o", "json")  # metadata needs no key
    assert listed.code == 0 and len(json.loads(listed.out)) == 2
    assert not key_file.exists()
    (cli.home / "master.key.bak").rename(key_file)  # the old file back: everything works
    assert cli("secret", "create", "new_secret", input="value\n").code == 0
    assert json.loads(cli("credentials", "c1").out)["AccessKeyId"] == "AKIAMISSINGKEY001"


def test_a_key_is_made_only_when_the_first_secret_is_sealed(store_cli: ProcessCli) -> None:
    cli = store_cli
    key_file = cli.home / "master.key"
    assert cli("secret", "list").code == 0
    assert cli("connector", "list").code == 0
    assert not key_file.exists()
    assert cli("secret", "create", "first", input="v\n").code == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_concurrent_rotations_keep_every_key_and_every_secret(store_cli: ProcessCli) -> None:
    cli = store_cli
    first = _store_with_secrets(cli)
    procs = [
        subprocess.Popen(
            cli.command("secret", "rotate-key"),
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    added = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        added.append(out.split()[3].rstrip(";"))  # "new master key KID; N secrets ..."
    ring = MasterKeys({}, home=cli.home).load()
    assert ring is not None
    assert set(ring.key_ids) == {first, *added}
    listed = json.loads(cli("secret", "list", "-o", "json").out)
    assert {s["keyId"] for s in listed} <= set(ring.key_ids)
    assert json.loads(cli("credentials", "c1").out)["SecretAccessKey"] == "missing-key-secret"


def test_rotate_key_writes_through_a_symlinked_key_file(store_cli: ProcessCli) -> None:
    cli = store_cli
    _store_with_secrets(cli)
    vault = cli.home.parent / "vault"
    vault.mkdir(mode=0o700)
    link = cli.home / "master.key"
    real = vault / "awsconn.key"
    os.rename(link, real)
    link.symlink_to(real)
    done = cli("secret", "rotate-key")
    assert done.code == 0, done.err
    assert link.is_symlink() and link.resolve() == real
    assert len(real.read_text().splitlines()) == 2
    assert json.loads(cli("credentials", "c1").out)["AccessKeyId"] == "AKIAMISSINGKEY001"
