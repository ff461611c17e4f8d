"""Database fixtures: a fresh SQLite file per test, and PostgreSQL when it is configured.

``db_url`` is parametrized over both engines; the PostgreSQL case is skipped (with the
reason) unless ``AWSCONN_TEST_POSTGRES_URL`` points at a server (``.ci/run`` starts
one). Each run creates its own database there, and each test its own schema, so runs
and tests never see each other's rows.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from awsconn.store.database import Database

POSTGRES_ENV = "AWSCONN_TEST_POSTGRES_URL"


class FakeClock:
    """A clock that moves only when told to: timestamps in tests are exact."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def postgres_run_url() -> Iterator[str]:
    """A database of its own for this test run on the configured server."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} is not set; .ci/run starts a PostgreSQL for these tests")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"awsconn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_run_url: str) -> str:
    """A fresh schema in the run's database, selected through the search path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_run_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(postgres_run_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: a SQLite file in tmp_path, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'awsconn.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(db_url: str, store_clock: FakeClock) -> Iterator[Database]:
    """An opened, migrated database on ``db_url`` whose clock is ``store_clock``."""
    database = Database(db_url, clock=store_clock)
    try:
        yield database
    finally:
        database.close()


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


class ProcessCli:
    """Runs ``python -m awsconn`` as a real process against one home and database."""

    def __init__(self, env: dict[str, str], home: Path, url: str) -> None:
        self.env = env
        self.home = home
        self.url = url

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "awsconn", *args]

    def __call__(
        self, *args: str, input: str | None = None, timeout: float = 120, **extra_env: str
    ) -> CliRun:
        done = subprocess.run(
            self.command(*args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **extra_env},
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return CliRun(done.returncode, done.stdout, done.stderr)

    def database(self) -> Database:
        return Database(self.url)


class InProcessCli(ProcessCli):
    """The same commands through ``awsconn.cli.main`` in this process (faster); ``command``
    still gives the argv for a real process where one is needed."""

    def __init__(
        self,
        env: dict[str, str],
        home: Path,
        url: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        super().__init__(env, home, url)
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(
        self, *args: str, input: str | None = None, timeout: float = 120, **extra_env: str
    ) -> CliRun:
        from awsconn.cli import main

        with self._monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(("AWS_", "AWSCONN_")):
                    patch.delenv(name)
            for name, value in {**self.env, **extra_env}.items():
                if name.startswith(("AWS_", "AWSCONN_")):
                    patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((input or "").encode())))
            self._capsys.readouterr()
            code = main(list(args))
            captured = self._capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return CliRun(code, captured.out, captured.err)


def _cli_environment(db_url: str, tmp_path: Path) -> tuple[dict[str, str], Path, str]:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSCONN_"))}
    env["AWSCONN_HOME"] = str(home)
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{home / 'awsconn.db'}"
    else:
        url = db_url
        env["AWSCONN_DATABASE_URL"] = db_url
    return env, home, url


@pytest.fixture
def process_cli(db_url: str, tmp_path: Path) -> ProcessCli:
    """The CLI as a process, on ``db_url`` (SQLite: the default file in its home)."""
    return ProcessCli(*_cli_environment(db_url, tmp_path))


@pytest.fixture
def store_cli(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> InProcessCli:
    """The CLI in this process, on ``db_url``, with its own home and environment."""
    return InProcessCli(*_cli_environment(db_url, tmp_path), monkeypatch, capsys)


def manual_connector_yaml(identifier: str, *refs: str, tags: dict[str, str] | None = None) -> str:
    """A ManualConfig connector naming its access key and secret key secrets."""
    access, secret = refs if refs else ("access_key", "secret_key")
    tag_lines = "".join(f"    {k}: '{v}'\n" for k, v in (tags or {}).items())
    return (
        "connector:\n"
        f"  name: {identifier}\n"
        f"  identifier: {identifier}\n"
        "  type: Aws\n" + (f"  tags:\n{tag_lines}" if tag_lines else "") + "  spec:\n"
        "    credential:\n"
        "      type: ManualConfig\n"
        "      spec:\n"
        f"        accessKeyRef: {access}\n"
        f"        secretKeyRef: {secret}\n"
        "      region: us-east-1\n"
    )


def delegate_connector_yaml(identifier: str, *, tags: dict[str, str] | None = None) -> str:
    """An InheritFromDelegate connector (no secrets)."""
    tag_lines = "".join(f"    {k}: '{v}'\n" for k, v in (tags or {}).items())
    return (
        "connector:\n"
        f"  name: {identifier}\n"
        f"  identifier: {identifier}\n"
        "  type: Aws\n" + (f"  tags:\n{tag_lines}" if tag_lines else "") + "  spec:\n"
        "    credential:\n"
        "      type: InheritFromDelegate\n"
        "      region: us-east-1\n"
        "    delegateSelectors:\n"
        "      - bench\n"
    )
