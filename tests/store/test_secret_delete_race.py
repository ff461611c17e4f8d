"""`connector apply` naming a secret and `secret delete` of it, at the same moment, many times.

Whatever the interleaving, no connector may end up naming a secret that does not exist:
either the delete is refused (the connector's link committed first) or the apply fails
(the secret was gone, at the check or at the write).
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path

from awsconn.errors import Conflict, ValidationFailed
from awsconn.model import parse_ref
from awsconn.service import connector_reads, connectors, secrets
from awsconn.service.context import AppContext
from store_fixtures import manual_connector_yaml

TRIES = 30
KEY = base64.b64encode(bytes(range(32))).decode()


def _context(db_url: str, home: Path) -> AppContext:
    environ = {"AWSCONN_HOME": str(home), "AWSCONN_MASTER_KEY": f"race:{KEY}"}
    environ["AWSCONN_DATABASE_URL"] = db_url
    return AppContext(environ=environ, warn=lambda _: None)


def test_apply_and_delete_racing_never_leave_a_dangling_secret(db_url: str, tmp_path: Path) -> None:
    setup, applier, deleter = (_context(db_url, tmp_path / "home") for _ in range(3))
    secrets.create(setup, parse_ref("ak"), b"AKIARACE000000001")
    secrets.create(setup, parse_ref("sk0"), b"secret")
    connectors.apply_yaml(setup, manual_connector_yaml("racer", "ak", "sk0"), mode="apply")
    outcomes: dict[str, int] = {"apply won": 0, "delete won": 0}
    for i in range(1, TRIES + 1):
        name = f"sk{i}"
        secrets.create(setup, parse_ref(name), b"secret")
        start = threading.Barrier(2)
        result: dict[str, object] = {}

        def apply(
            name: str = name, result: dict[str, object] = result, start: threading.Barrier = start
        ) -> None:
            start.wait()
            try:
                connectors.apply_yaml(
                    applier, manual_connector_yaml("racer", "ak", name), mode="apply"
                )
                result["apply"] = "ok"
            except (Conflict, ValidationFailed) as exc:
                result["apply"] = exc

        def delete(
            name: str = name, result: dict[str, object] = result, start: threading.Barrier = start
        ) -> None:
            start.wait()
            try:
                secrets.delete(deleter, parse_ref(name))
                result["delete"] = "ok"
            except Conflict as exc:
                result["delete"] = exc

        threads = [threading.Thread(target=apply), threading.Thread(target=delete)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        stored = connector_reads.load(setup, parse_ref("racer")).connector
        named = {str(r) for r in stored.secret_refs().values()}
        present = {
            s.identifier
            for s in secrets.list_secrets(setup, org=None, project=None, all_scopes=False)
        }
        assert named <= present, (i, result)
        assert (result["apply"] == "ok") != (result["delete"] == "ok"), (i, result)
        outcomes["apply won" if result["apply"] == "ok" else "delete won"] += 1
        if result["apply"] == "ok":  # put the connector back on the old secret for the next try
            connectors.apply_yaml(setup, manual_connector_yaml("racer", "ak", "sk0"), mode="apply")
            secrets.delete(setup, parse_ref(name))
    for ctx in (setup, applier, deleter):
        ctx.close()
    assert sum(outcomes.values()) == TRIES
