"""Real delegate processes against a real server: ``awsconn delegate run`` subprocesses.

:class:`DelegateProcess` starts ``python -m awsconn delegate run`` with an environment of
its own (its AWS identity: keys, a web identity token file, or nothing), its token in
``AWSCONN_DELEGATE_TOKEN`` (never on the command line) and its log in a file; it waits
until the server lists it connected (or with its init script failed), and stops it
with SIGTERM (graceful) or SIGKILL. :class:`DelegateServer` is an ``awsconn server``
that can be started again on the same port (the delegates reconnect to it).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import isolated_environ

__all__ = [
    "CONNECTED_TIMEOUT_S",
    "DelegateProcess",
    "DelegateServer",
    "add_connector",
    "delegate_token",
    "delegates_listed",
    "reap_until",
]

CONNECTED_TIMEOUT_S = 60.0
LEASE_SECONDS = "4"


class DelegateServer(ApiServer):
    """An ``awsconn server`` with a short task lease (delegates killed in tests lose their
    tasks in seconds), startable again on its port."""

    def __init__(self, workdir: Path, **kwargs: Any) -> None:
        environ = {"AWSCONN_TASK_LEASE_SECONDS": LEASE_SECONDS, **kwargs.pop("environ", {})}
        super().__init__(workdir, environ=environ, **kwargs)

    def relaunch(self) -> None:
        """Start it again on the same port and store (after :meth:`stop`)."""
        with self._log.open("ab") as log:
            self._proc = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_healthy()


def delegate_token(server: ApiServer, name: str | None = None) -> str:
    """A new delegate token, made through Harness's endpoint as the admin."""
    with server.client() as http:
        answer = http.post(
            "/ng/api/delegate-token-ng",
            params={"tokenName": name or f"dt-{uuid.uuid4().hex[:10]}"},
        )
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["resource"]["value"]
    return value


def add_connector(
    server: ApiServer,
    identifier: str,
    *,
    credential: dict[str, Any],
    selectors: Sequence[str] = (),
    execute_on_delegate: bool = True,
    capabilities: Sequence[str] = (),
) -> None:
    """A connector in the account scope, through Harness's create endpoint."""
    spec: dict[str, Any] = {
        "credential": {"region": "us-east-1", **credential},
        "delegateSelectors": list(selectors),
        "executeOnDelegate": execute_on_delegate,
    }
    if capabilities:
        spec["capabilities"] = list(capabilities)
    body = {
        "connector": {"name": identifier, "identifier": identifier, "type": "Aws", "spec": spec}
    }
    with server.client() as http:
        answer = http.post("/ng/api/connectors", json=body)
    assert answer.status_code == 200, answer.text


def delegates_listed(server: ApiServer) -> list[dict[str, Any]]:
    with server.client() as http:
        answer = http.get("/ng/api/awsconn/delegates")
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()["data"]
    return listed


def reap_until(server: ApiServer, done: Any, timeout_s: float = 60.0) -> Any:
    """Run the reaper's pass on the server's store (what its background loop does) until
    ``done()`` answers something true; that answer."""
    from awsconn.service import tasks
    from awsconn.service.context import AppContext

    ctx = AppContext(environ=server.service_environ(), runs_as="server")
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            tasks.expire_and_requeue(ctx)
            found = done()
            if found:
                return found
            time.sleep(0.5)
    finally:
        ctx.close()
    raise AssertionError(f"not done within {timeout_s} s")


class DelegateProcess:
    """One ``awsconn delegate run`` process."""

    def __init__(
        self,
        server: ApiServer,
        workdir: Path,
        *,
        name: str,
        tags: Sequence[str],
        token: str,
        aws_endpoint: str | None,
        aws: Mapping[str, str] | None = None,
        init_script: Path | None = None,
        concurrency: int = 4,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.server = server
        self.name = name
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "delegate.log"
        self.env = isolated_environ(aws_endpoint, self.workdir / "aws")
        self.env.update(
            {
                "HOME": str(self.workdir),
                "PYTHONUNBUFFERED": "1",
                "AWS_REGION": "us-east-1",
                "AWSCONN_DELEGATE_TOKEN": token,
                **(aws or {}),
            }
        )
        self.args = [
            sys.executable, "-m", "awsconn", "delegate", "run",
            "--manager", server.url, "--name", name, "--tags", ",".join(tags),
            "--concurrency", str(concurrency), "--poll", "5", *extra_args,
        ]  # fmt: skip
        if init_script is not None:
            self.args += ["--init-script", str(init_script)]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DelegateProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def listed(self) -> list[dict[str, Any]]:
        """This delegate's instances as the server lists them, newest last."""
        return [d for d in delegates_listed(self.server) if d["name"] == self.name]

    def wait_for(self, predicate: Any, what: str, timeout_s: float = CONNECTED_TIMEOUT_S) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            if self.proc is not None and self.proc.poll() is not None and not found:
                found = predicate()  # it may have reported just before it exited
                if found:
                    return found
                raise AssertionError(
                    f"delegate {self.name} exited ({self.proc.returncode}) before {what}:\n"
                    + self.logs()
                )
            time.sleep(0.2)
        raise AssertionError(f"delegate {self.name}: not {what} in {timeout_s} s:\n{self.logs()}")

    def wait_connected(self) -> dict[str, Any]:
        def connected() -> dict[str, Any] | None:
            return next((d for d in self.listed() if d["connected"]), None)

        found: dict[str, Any] = self.wait_for(connected, "connected")
        return found

    def wait_log(self, text: str, timeout_s: float = CONNECTED_TIMEOUT_S) -> str:
        found: str = self.wait_for(lambda: text in self.logs() and self.logs(), f"logging {text!r}",
                                   timeout_s)  # fmt: skip
        return found

    def wait_exit(self, timeout_s: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout_s)

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=20)

    def stop(self) -> int | None:
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        return proc.returncode

    def __enter__(self) -> DelegateProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_client(server: ApiServer, token: str) -> httpx.Client:
    return server.client(token=token)


def running(processes: Sequence[DelegateProcess]) -> Iterator[DelegateProcess]:
    for p in processes:
        if p.proc is not None and p.proc.poll() is None:
            yield p
