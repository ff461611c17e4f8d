"""`credentials` and `connector get` read the store without SQLAlchemy (SQLite), Alembic or boto3.

`credentials` runs on every AWS CLI call through credential_process; stored keys
without a role need no AWS call, so neither the SDK nor the ORM may load for them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from store_fixtures import ProcessCli, manual_connector_yaml


def _modules_after(cli: ProcessCli, *argv: str) -> tuple[str, set[str]]:
    probe = (
        "import contextlib, io, sys\nfrom awsconn.cli import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out):\n    code = main({list(argv)!r})\n"
        "print(code, ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
        "print(out.getvalue(), end='')"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=cli.env, check=True
    )
    first, _, output = done.stdout.partition("\n")
    code, _, modules = first.partition(" ")
    assert code == "0", done.stderr
    return output, set(modules.split())


def test_hot_reads_load_neither_orm_nor_sdk(process_cli: ProcessCli) -> None:
    cli = process_cli
    assert cli("secret", "create", "access_key", input="AKIAHOTPATH000001\n").code == 0
    assert cli("secret", "create", "secret_key", input="hot-path-secret\n").code == 0
    (cli.home / "c.yaml").write_text(manual_connector_yaml("hot"))
    assert cli("connector", "apply", "-f", str(cli.home / "c.yaml")).code == 0

    output, loaded = _modules_after(cli, "credentials", "hot")
    assert json.loads(output) == {
        "Version": 1,
        "AccessKeyId": "AKIAHOTPATH000001",
        "SecretAccessKey": "hot-path-secret",
    }
    assert not loaded & {"boto3", "botocore", "alembic"}
    sqlite = cli.url.startswith("sqlite")
    assert ("sqlalchemy" in loaded) != sqlite  # PostgreSQL is read through SQLAlchemy

    output, loaded = _modules_after(cli, "connector", "get", "hot")
    assert "identifier: hot" in output and "# version 1" in output
    assert not loaded & {"boto3", "botocore", "alembic"}
    assert ("sqlalchemy" in loaded) != sqlite
