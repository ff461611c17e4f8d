"""A real ``awsconn server`` process for the API tests: its own home, SQLite or PostgreSQL.

:class:`ApiServer` starts ``python -m awsconn server`` on a free loopback port with an
environment of its own (``AWSCONN_HOME``, optionally ``AWSCONN_DATABASE_URL``, AWS
pointed at the local moto server, no ambient AWS identity), waits for ``/healthz``,
reads the admin token the start wrote, and stops the process (SIGTERM, then SIGKILL)
when done; what the server logged stays readable (:meth:`ApiServer.logs`).

Fixtures (one server per module; tests in a module must not depend on each other's
data beyond what they create under unique names): ``api_server`` (SQLite, one worker),
``api_server_pg`` (PostgreSQL, skipped without ``AWSCONN_TEST_POSTGRES_URL``),
``api_server_two_workers`` (SQLite, ``--workers 2``).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint, isolated_environ

__all__ = [
    "ApiServer",
    "api_server",
    "api_server_pg",
    "api_server_two_workers",
    "eventually",
    "free_port",
    "inline_secret_body",
    "manual_connector_body",
    "metric_samples",
    "module_postgres_url",
    "ok_data",
]

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ApiServer:
    """One ``awsconn server`` process; ``url`` and ``token`` (the first admin token)."""

    def __init__(
        self,
        workdir: Path,
        *,
        aws_endpoint: str | None = None,
        database_url: str | None = None,
        args: tuple[str, ...] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.home = workdir / "home"
        self.database_url = database_url
        self.args = args
        self.env = isolated_environ(aws_endpoint, workdir / "aws")
        self.env.update(
            {
                "HOME": str(workdir),
                "AWSCONN_HOME": str(self.home),
                "PYTHONUNBUFFERED": "1",
                "AWS_REGION": "us-east-1",
                # no scheduled tests unless a test asks (``environ``): they would add
                # history and audit events at random moments to every module's server
                "AWSCONN_MONITORING": "0",
            }
        )
        if database_url:
            self.env["AWSCONN_DATABASE_URL"] = database_url
        self.env.update(environ or {})
        self.port = 0
        self.url = ""
        self.token = ""
        self.started_with_token: bool = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = workdir / "server.log"

    @property
    def scheme(self) -> str:
        return "https" if "--certfile" in self.args else "http"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "awsconn", "server", "--port", str(self.port), *self.args]

    def launch(self) -> None:
        """Start the process on a free port; :meth:`wait_healthy` waits for it."""
        self.port = free_port()
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as log:
            self._proc = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def start(self) -> ApiServer:
        """Launch, wait for /healthz, read the admin token file (when this start made it)."""
        self.launch()
        self.wait_healthy()
        token_file = self.home / "admin-token"
        if token_file.exists():
            self.token = token_file.read_text().strip()
        return self

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"awsconn server exited ({self._proc.returncode}):\n{self.logs()}"
                )
            try:
                answer = httpx.get(f"{self.url}/healthz", timeout=2.0, verify=False)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"awsconn server did not answer /healthz:\n{self.logs()}")

    def logs(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def stop(self) -> int | None:
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._proc = None
        return proc.returncode

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client of this server presenting ``token`` (default: the admin token)."""
        headers = dict(kwargs.pop("headers", {}))
        chosen = self.token if token is None else token
        if chosen:
            headers["x-api-key"] = chosen
        return httpx.Client(
            base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 60.0), **kwargs
        )

    def make_token(
        self, role: str, *, org: str | None = None, project: str | None = None, access: bool = False
    ) -> str:
        """A new API token of ``role`` in the scope, made through the API as the admin."""
        params = {k: v for k, v in (("orgIdentifier", org), ("projectIdentifier", project)) if v}
        name = f"{role}-{uuid.uuid4().hex[:10]}"
        with self.client() as http:
            answer = http.post(
                "/ng/api/awsconn/tokens",
                params=params,
                json={"name": name, "role": role, "access": access},
            )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["data"]["token"]
        return token

    def service_environ(self) -> dict[str, str]:
        """An environ for an in-process AppContext on this server's store (test set-up)."""
        env = {"AWSCONN_HOME": str(self.home)}
        if self.database_url:
            env["AWSCONN_DATABASE_URL"] = self.database_url
        return env

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def module_postgres_url(postgres_run_url: str) -> str:
    """A fresh schema in the run's PostgreSQL database (for a module's server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"api_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_run_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(postgres_run_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def api_server(
    tmp_path_factory: pytest.TempPathFactory, moto_auth: LocalAwsEndpoint
) -> Iterator[ApiServer]:
    """A server on SQLite (one worker), AWS at the local moto server."""
    with ApiServer(tmp_path_factory.mktemp("api"), aws_endpoint=moto_auth.url) as server:
        yield server


@pytest.fixture(scope="module")
def api_server_pg(
    tmp_path_factory: pytest.TempPathFactory, moto_auth: LocalAwsEndpoint, postgres_run_url: str
) -> Iterator[ApiServer]:
    """A server on a PostgreSQL schema of its own, AWS at the local moto server."""
    url = module_postgres_url(postgres_run_url)
    with ApiServer(
        tmp_path_factory.mktemp("api-pg"), aws_endpoint=moto_auth.url, database_url=url
    ) as server:
        yield server


@pytest.fixture(scope="module")
def api_server_two_workers(
    tmp_path_factory: pytest.TempPathFactory, moto_auth: LocalAwsEndpoint
) -> Iterator[ApiServer]:
    """A server on SQLite with two worker processes."""
    workdir = tmp_path_factory.mktemp("api-2w")
    with ApiServer(workdir, aws_endpoint=moto_auth.url, args=("--workers", "2")) as server:
        yield server


def manual_connector_body(
    identifier: str, key_id: str, secret: str, *, org: str = "eng"
) -> dict[str, Any]:
    """A ManualConfig connector in ``org`` run by the server itself, as Harness's create
    endpoint takes it."""
    return {
        "connector": {
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": org,
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "spec": {"accessKey": key_id, "secretKeyRef": secret},
                    "region": "us-east-1",
                },
                "delegateSelectors": [],
                "executeOnDelegate": False,
            },
        }
    }


def inline_secret_body(identifier: str, value: str, *, org: str = "eng") -> dict[str, Any]:
    """An inline SecretText in ``org``, as Harness's v2 secrets endpoint takes it."""
    return {
        "secret": {
            "type": "SecretText",
            "name": identifier,
            "identifier": identifier,
            "orgIdentifier": org,
            "spec": {
                "secretManagerIdentifier": "harnessSecretManager",
                "valueType": "Inline",
                "value": value,
            },
        }
    }


_T = TypeVar("_T")


def eventually(probe: Callable[[], _T | None], what: str, timeout_s: float = 60.0) -> _T:
    """``probe()`` once it is not None (a watchdog: fails only if it never comes)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def ok_data(answer: httpx.Response) -> Any:
    """The ``data`` of a 200 answer (the answer's text when it is not 200)."""
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def metric_samples(server: ApiServer) -> dict[str, float]:
    """The server's /metrics as ``name{label=value,...}`` -> value (labels sorted)."""
    from prometheus_client.parser import text_string_to_metric_families

    with server.client(token="") as http:
        text = http.get("/metrics").text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = sample.value
    return out
