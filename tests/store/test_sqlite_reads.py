"""The stdlib sqlite3 point reader returns exactly what the SQLAlchemy repositories return."""

from __future__ import annotations

import string
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsconn.errors import NotFound
from awsconn.store.access import Store
from awsconn.store.database import Database
from awsconn.store.sqlite_reads import (
    CONNECTOR_COLUMNS,
    SECRET_COLUMNS,
    TOKEN_COLUMNS,
    SqliteReads,
    sqlite_path,
)
from awsconn.store.tables import ApiTokenRecord, ConnectorRecord, SecretRecord
from store_fixtures import FakeClock

IDENT = st.text(string.ascii_lowercase + string.digits + "_", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha()
)
TEXT = st.text(max_size=30)  # any unicode, as stored
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
SCOPE = st.sampled_from([(None, None), ("org1", None), ("org1", "proj1")])
WHEN = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def test_column_lists_match_the_tables() -> None:
    assert tuple(c.name for c in ConnectorRecord.__table__.columns) == CONNECTOR_COLUMNS
    assert tuple(c.name for c in SecretRecord.__table__.columns) == SECRET_COLUMNS
    assert tuple(c.name for c in ApiTokenRecord.__table__.columns) == TOKEN_COLUMNS


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////abs/awsconn.db", Path("/abs/awsconn.db")),
        ("sqlite:///rel.db", Path("rel.db")),
        ("sqlite+pysqlite:////abs/x.db", Path("/abs/x.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:x.db?mode=ro&uri=true", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_only_plain_sqlite_file_urls_are_served(url: str, path: Path | None) -> None:
    assert sqlite_path(url) == path


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scope=SCOPE,
    identifier=IDENT,
    name=TEXT,
    region=st.none() | st.sampled_from(["us-east-1", "eu-west-3"]),
    tags=st.dictionaries(IDENT, TEXT, max_size=4),
    document=st.dictionaries(TEXT, JSON_VALUE, max_size=5),
    created=WHEN,
    tested=st.none() | WHEN,
    description=st.none() | TEXT,
    blob=st.binary(max_size=64),
)
def test_point_reads_equal_the_repositories(
    tmp_path_factory: pytest.TempPathFactory,
    scope: tuple[str | None, str | None],
    identifier: str,
    name: str,
    region: str | None,
    tags: dict[str, str],
    document: dict[str, object],
    created: datetime,
    tested: datetime | None,
    description: str | None,
    blob: bytes,
) -> None:
    path = tmp_path_factory.mktemp("reads") / "awsconn.db"
    url = f"sqlite:///{path}"
    org, project = scope
    clock = FakeClock(created)
    with Database(url, clock=clock) as db:
        with db.transaction() as tx:
            tx.connectors.create(
                org=org,
                project=project,
                identifier=identifier,
                name=name,
                credential_type="ManualConfig",
                region=region,
                tags=tags,
                document=document,
            )
            tx.secrets.create(
                org=org,
                project=project,
                identifier=identifier,
                key_id="k1",
                nonce=blob[:12],
                ciphertext=blob,
                description=description,
                aad_version=2,
            )
            token = tx.tokens.create(
                id="t" * 32,
                kind="api",
                name=name or "n",
                token_hash=blob.hex().ljust(64, "0")[:64],
                prefix="awsc_x",
                role="viewer",
                org=org,
                project=project,
                access=bool(blob),
                created_by=name,
                expires_at=tested,
                description=description,
            )
            if tested is not None:
                tx.tokens.touch(token.id, at=tested, every=timedelta(0))
                tx.tokens.revoke(token.id, by=name, at=tested + timedelta(microseconds=3))
                tx.connectors.record_test(
                    org=org,
                    project=project,
                    identifier=identifier,
                    result={"status": "SUCCESS"},
                    status="SUCCESS",
                    tested_at=tested + timedelta(microseconds=1),
                )
        with db.transaction(write=False) as tx:
            expected = (
                tx.connectors.get(org=org, project=project, identifier=identifier),
                tx.secrets.get(org=org, project=project, identifier=identifier),
                tx.tokens.find_by_hash(token.token_hash),
            )
    reads = SqliteReads.open(url, warn=lambda _: None)
    assert reads is not None
    with reads.reading() as tx:
        got = (
            tx.connectors.get(org=org, project=project, identifier=identifier),
            tx.secrets.get(org=org, project=project, identifier=identifier),
            tx.tokens.find_by_hash(token.token_hash),
        )
        assert tx.connectors.find(org=org, project=project, identifier=identifier + "x") is None
        assert tx.tokens.find_by_hash("f" * 64) is None
    assert got == expected
    reads.close()


def test_a_read_connection_is_lent_again_not_reopened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'awsconn.db'}"
    Database(url).close()
    reads = SqliteReads.open(url, warn=lambda _: None)
    assert reads is not None
    with reads.reading():
        pass
    [kept] = reads._idle
    with reads.reading(), reads.reading():  # two at once: the kept one and a new one
        assert not reads._idle
    assert kept in reads._idle and len(reads._idle) == 2
    with pytest.raises(RuntimeError), reads.reading():
        raise RuntimeError("a read that fails")  # its connection is closed, not kept
    assert len(reads._idle) == 1
    reads.close()
    assert not reads._idle


def test_missing_rows_are_the_same_not_found(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'awsconn.db'}"
    Database(url).close()
    reads = SqliteReads.open(url, warn=lambda _: None)
    assert reads is not None
    with pytest.raises(NotFound, match="connector 'x' in org o not found"), reads.reading() as tx:
        tx.connectors.get(org="o", project=None, identifier="x")
    with (
        pytest.raises(NotFound, match="secret 'y' in the account scope not found"),
        reads.reading() as tx,
    ):
        tx.secrets.get(org=None, project=None, identifier="y")


def test_no_point_reader_before_the_store_is_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'awsconn.db'}"
    assert SqliteReads.open(url, warn=lambda _: None) is None  # no file yet
    (tmp_path / "awsconn.db").write_bytes(b"")
    assert SqliteReads.open(url, warn=lambda _: None) is None  # no schema yet
    store = Store(url)
    with store.reading() as tx:  # the Database opens and migrates it
        assert tx.connectors.find(org=None, project=None, identifier="x") is None
    store.close()
    assert SqliteReads.open(url, warn=lambda _: None) is not None


def _modules_after(code: str, url: str) -> set[str]:
    probe = (
        "import sys\nfrom awsconn.store.access import Store\n"
        f"store = Store({url!r})\n{code}\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in out.stdout.split()}


def test_point_reads_import_no_sqlalchemy_on_a_current_sqlite_store(db_url: str) -> None:
    Database(db_url).close()
    read = (
        "with store.reading() as tx:\n"
        "    assert tx.connectors.find(org=None, project=None, identifier='x') is None\n"
        "    assert tx.secrets.find(org=None, project=None, identifier='x') is None"
    )
    loaded = _modules_after(read, db_url)
    if db_url.startswith("sqlite"):
        assert not loaded & {"sqlalchemy", "alembic"}
    else:  # PostgreSQL is served by the Database
        assert "sqlalchemy" in loaded and "alembic" not in loaded
