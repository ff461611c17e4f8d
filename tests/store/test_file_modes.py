"""awsconn's files are private whatever the umask; existing open ones are reported, not hidden."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import os, stat, sys
from pathlib import Path
os.umask(int(sys.argv[2], 8))
from awsconn.model import parse_ref
from awsconn.service import secrets
from awsconn.service.context import AppContext
home = Path(sys.argv[1])
ctx = AppContext(environ={"AWSCONN_HOME": str(home)})
secrets.create(ctx, parse_ref("s"), b"value")
with ctx.db.transaction(write=False) as tx:  # the connection pool keeps -wal and -shm open
    tx.secrets.list()
    names = [home, home / "awsconn.db", home / "awsconn.db-wal", home / "awsconn.db-shm",
             home / "master.key"]
    print(" ".join(f"{p.name}={stat.S_IMODE(p.stat().st_mode):o}" for p in names))
"""


@pytest.mark.parametrize("umask", ["000", "022", "277"])
def test_home_database_and_its_wal_are_private_whatever_the_umask(
    tmp_path: Path, umask: str
) -> None:
    home = tmp_path / "a" / "home"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(home), umask], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [
        "home=700",
        "awsconn.db=600",
        "awsconn.db-wal=600",
        "awsconn.db-shm=600",
        "master.key=600",
    ]


def _cli(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSCONN_"))}
    env["AWSCONN_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "awsconn", *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_an_open_home_and_database_are_reported_with_the_fix(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _cli(home, "secret", "create", "s", input="v\n").returncode == 0
    assert _cli(home, "connector", "list").stderr == ""  # private: nothing to say
    os.chmod(home, 0o755)
    os.chmod(home / "awsconn.db", 0o644)
    for argv in (("connector", "list"), ("connector", "get", "nope"), ("secret", "list")):
        done = _cli(home, *argv)
        assert done.returncode in (0, 2), done.stderr
        warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
        assert warnings == [
            f"warning: awsconn's home folder {home} is open to other users (mode 755); "
            f"fix: chmod 700 {home}",
            f"warning: the database file {home / 'awsconn.db'} is open to other users "
            f"(mode 644); fix: chmod 600 {home / 'awsconn.db'}",
        ], argv
    assert stat.S_IMODE((home / "awsconn.db").stat().st_mode) == 0o644  # reported, not changed
