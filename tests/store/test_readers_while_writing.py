"""Read commands succeed while another process holds a write transaction.

SQLite in WAL mode lets readers through a writer, so no read path may start with
``BEGIN IMMEDIATE`` and opening the store may not write. On PostgreSQL the holder also
holds awsconn's migration lock, as a replica starting up does: opening a store that
is at the current schema must not wait for it. ``connector test`` writes its result:
with the lock held throughout it still reports the test, saying the result is not stored.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from store_fixtures import ProcessCli, manual_connector_yaml

SQLITE_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE secrets SET description = 'held'")
conn.execute("UPDATE connectors SET name = 'held'")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""

POSTGRES_HOLDER = """
import sys, psycopg
conn = psycopg.connect(sys.argv[1])
conn.execute("SELECT pg_advisory_xact_lock(%s)", (0x61777363,))
conn.execute("UPDATE secrets SET description = 'held'")
conn.execute("UPDATE alembic_version SET version_num = version_num")
print("holding", flush=True)
sys.stdin.readline()
conn.rollback()
"""


def _holder(cli: ProcessCli) -> subprocess.Popen[str]:
    if cli.url.startswith("sqlite"):
        code, target = SQLITE_HOLDER, cli.url.removeprefix("sqlite:///")
    else:
        from sqlalchemy.engine import make_url

        url = make_url(cli.url)
        code = POSTGRES_HOLDER
        target = url.set(drivername="postgresql").render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, target],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=cli.env,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


@pytest.mark.aws
def test_read_commands_pass_a_held_write_lock(
    process_cli: ProcessCli, moto_auth: LocalAwsEndpoint, aws_env: dict[str, str]
) -> None:
    cli = process_cli
    cli.env.update(aws_env)
    keys = moto_auth.admin_keys
    assert cli("secret", "create", "access_key", input=keys.access_key_id + "\n").code == 0
    assert cli("secret", "create", "secret_key", input=keys.secret_access_key + "\n").code == 0
    (cli.home / "c.yaml").write_text(manual_connector_yaml("c1"))
    assert cli("connector", "apply", "-f", str(cli.home / "c.yaml")).code == 0
    holder = _holder(cli)
    try:
        for argv in (
            ("connector", "list", "-o", "json"),
            ("connector", "get", "c1"),
            ("connector", "history", "c1"),
            ("secret", "list", "-o", "json"),
            ("credentials", "c1"),
        ):
            done = cli(*argv, timeout=60)
            assert done.code == 0, (argv, done.err)
        assert json.loads(cli("credentials", "c1").out)["AccessKeyId"] == keys.access_key_id
        tested = cli("connector", "test", "c1", "-o", "json", timeout=90)
        assert tested.code == 0, tested.err
        result = json.loads(tested.out)
        assert result["status"] == "SUCCESS"
        if cli.url.startswith("sqlite"):  # the write lock was held throughout
            assert "busy" in result["notRecorded"]
        else:  # the holder does not lock the connector's row
            assert "notRecorded" not in result
        assert holder.poll() is None  # every command ran while the lock was held
    finally:
        assert holder.stdin is not None
        holder.stdin.write("done\n")
        holder.stdin.close()
        holder.wait(timeout=30)
