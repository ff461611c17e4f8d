"""Many processes applying the same connectors at once: every one succeeds, versions add up.

On SQLite a write transaction holds the database lock from its start; on PostgreSQL
the read-then-write of apply is made safe by row locks, and a create race (a unique
key inserted first by another transaction) or a deadlock is run again on fresh data.
"""

from __future__ import annotations

import json
import subprocess

from store_fixtures import ProcessCli, delegate_connector_yaml

PROCESSES = {"postgresql": 20, "sqlite": 8}  # SQLite serializes writers by design


def _start(cli: ProcessCli, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli.command(*args),
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_parallel_applies_of_one_connector_all_succeed(process_cli: ProcessCli) -> None:
    cli = process_cli
    processes = PROCESSES["sqlite" if cli.url.startswith("sqlite") else "postgresql"]
    assert cli("connector", "list").code == 0  # the schema exists before the race starts
    files = []
    for i in range(processes):
        path = cli.home.parent / f"c{i}.yaml"
        path.write_text(delegate_connector_yaml("shared", tags={"writer": str(i)}))
        files.append(path)
    procs = [_start(cli, "connector", "apply", "-f", str(path)) for path in files]
    versions = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        versions.append(int(out.rsplit("(version ", 1)[1].rstrip(")\n")))
    assert sorted(versions) == list(range(1, processes + 1))  # 1 created, the rest updates
    stored = json.loads(cli("connector", "list", "-o", "json").out)
    assert [(c["ref"], c["version"]) for c in stored] == [("shared", processes)]
    assert stored[0]["tags"]["writer"] == str(versions.index(processes))


def test_parallel_imports_of_the_same_new_connectors_all_succeed(process_cli: ProcessCli) -> None:
    cli = process_cli
    assert cli("connector", "list").code == 0
    names = [f"imp{n}" for n in range(6)]
    paths = []
    for i in range(4):
        order = names if i % 2 == 0 else list(reversed(names))  # opposite orders: deadlocks
        text = "---\n".join(delegate_connector_yaml(n, tags={"writer": str(i)}) for n in order)
        path = cli.home.parent / f"import{i}.yaml"
        path.write_text(text)
        paths.append(path)
    procs = [_start(cli, "connector", "import", "-f", str(path)) for path in paths]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    stored = json.loads(cli("connector", "list", "-o", "json").out)
    assert sorted((c["ref"], c["version"]) for c in stored) == [(n, 4) for n in names]
