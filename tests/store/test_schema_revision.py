"""Opening a store at the current schema is one query: no Alembic, no migration, no write."""

from __future__ import annotations

import subprocess
import sys

from alembic.config import Config
from alembic.script import ScriptDirectory

from awsconn.store.database import ALEMBIC_INI, MIGRATIONS_DIR, Database
from awsconn.store.revision import HEAD_REVISION


def test_head_revision_is_the_newest_migration() -> None:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def _modules_after_open(url: str) -> set[str]:
    probe = (
        "import sys\nfrom awsconn.store.database import Database\n"
        f"db = Database({url!r})\n"
        "with db.transaction(write=False) as tx:\n    tx.connectors.list(all_scopes=True)\n"
        "print(db.schema_revision())\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    revision, modules = out.stdout.splitlines()[-2:]
    assert revision == HEAD_REVISION
    return set(modules.split())


def test_opening_a_current_store_does_not_import_alembic(db_url: str) -> None:
    Database(db_url).close()  # the first open migrates
    assert not {m for m in _modules_after_open(db_url) if m.split(".")[0] == "alembic"}


def test_opening_an_empty_database_migrates_it(db_url: str) -> None:
    modules = _modules_after_open(db_url)
    assert "alembic.command" in modules
    with Database(db_url) as db:
        assert db.schema_revision() == HEAD_REVISION
