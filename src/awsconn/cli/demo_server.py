"""``awsconn demo-server`` (what ``make run`` starts): the demo, served, with a delegate.

It builds the demo (:func:`awsconn.service.demo.demo_world`: local AWS-compatible
endpoints, encrypted demo secrets, connectors of every kind with their test results) in a
home of its own, then starts ``awsconn server`` on that home (the embedded SQLite store)
and two ``awsconn delegate run``: ``local`` (tags ``local``, the delegate host's keys
against the local endpoint) for the InheritFromDelegate connectors, and ``local-irsa``
(tags ``eks-irsa``, a pod's web identity token file and ``AWS_ROLE_ARN``, as EKS gives an
IRSA pod) for the Irsa and OidcAuthentication connectors, so every demo connector tests
through a delegate; the server is the OIDC issuer at its own loopback URL (it signs the
OIDC connector's ID tokens; the local endpoint does not fetch its keys). It
prints the URL and the admin token, and waits. Ctrl-C (or SIGTERM) stops the delegates
(their running tasks finish), then the server, then the endpoints, and removes the home.

The children run in sessions of their own: the terminal's Ctrl-C reaches this process
only, which stops them in that order.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from awsconn.service.demo import DemoWorld

__all__ = ["IRSA_TAG", "LOCAL_TAG", "demo_server"]

LOCAL_TAG = "local"
IRSA_TAG = "eks-irsa"
"""The Irsa connector's selector, the tag of the delegate with a pod's web identity."""
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 30.0


def demo_server(
    port: int = typer.Option(
        7420, "--port", metavar="PORT", min=1, max=65535, help="The port to listen on."
    ),
) -> None:
    """Serve the demo on 127.0.0.1 with two local delegates (tags 'local', and 'eks-irsa'
    with a pod's web identity); prints the URL and a token to sign in with; Ctrl-C stops
    everything and removes the demo's data."""
    from awsconn.cli.demo import demo_service

    demo_world = demo_service("demo-server").demo_world
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    home = Path(tempfile.mkdtemp(prefix="awsconn-demo-server-"))
    try:
        issuer = f"http://127.0.0.1:{port}"
        with demo_world(
            home, _say, delegate_tag=LOCAL_TAG, irsa_tag=IRSA_TAG, issuer_url=issuer
        ) as world:
            for row in world.rows:
                _say(f"  {row['case'].identifier}: {row['got']}")
            code = _serve(home, world, port, stop)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    _say("stopped; the demo's data is removed")
    raise typer.Exit(code)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _serve(home: Path, world: DemoWorld, port: int, stop: threading.Event) -> int:
    """Run the server (its own AWS calls to the enforcing endpoint) and the delegate until
    ``stop``; the exit code (1 when one of them ended by itself)."""
    from awsconn.service.access import LOCAL_OWNER
    from awsconn.service.context import AppContext
    from awsconn.service.tokens import create_delegate_token

    aws_environ = world.auth.environ(home / "env-server")
    url = f"http://127.0.0.1:{port}"
    common = {"AWSCONN_HOME": str(home), "HOME": os.environ.get("HOME", str(home))}
    server_env = {**aws_environ, **common, "PYTHONUNBUFFERED": "1"}
    server = _start(
        [sys.executable, "-m", "awsconn", "server", "--port", str(port), "--issuer-url", url],
        server_env,
    )
    delegates: list[subprocess.Popen[bytes]] = []
    try:
        if not _wait_healthy(url, server, stop):
            return 0 if stop.is_set() else 1
        admin = (home / "admin-token").read_text().strip()
        ctx = AppContext(environ={"AWSCONN_HOME": str(home)}, runs_as="server")
        try:
            issued, _ = create_delegate_token(ctx.for_request(LOCAL_OWNER), name="local")
        finally:
            ctx.close()
        for name, tag, aws in (
            ("local", LOCAL_TAG, world.delegate_environ),
            ("local-irsa", IRSA_TAG, world.irsa_environ),
        ):
            env = {**aws, **common, "PYTHONUNBUFFERED": "1", "AWSCONN_DELEGATE_TOKEN": issued}
            argv = [sys.executable, "-m", "awsconn", "delegate", "run", "--manager", url,
                    "--name", name, "--tags", tag]  # fmt: skip
            delegates.append(_start(argv, env))
        _say(
            f"\nawsconn is serving the demo at {url}  (API docs: {url}/docs)\n"
            f"sign in with:  awsconn login {url}  and the admin token:\n{admin}\n"
            f"delegates 'local' (tags {LOCAL_TAG}) and 'local-irsa' (tags {IRSA_TAG}, a pod's "
            "web identity) run the delegate connectors.\n"
            "Ctrl-C stops everything."
        )
        while not stop.wait(0.5):
            if server.poll() is not None or any(d.poll() is not None for d in delegates):
                _say("the server or a delegate ended by itself: stopping")
                return 1
        _say("stopping: the delegates, then the server")
        return 0
    finally:
        for proc in (*delegates, server):
            _stop(proc)


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in a session of its own (the terminal's Ctrl-C reaches only this process,
    which stops the children in order) that still ends with this process if it is killed
    outright (Linux: the parent-death signal is SIGTERM, so it stops gracefully)."""
    from awsconn.aws.local_endpoint import ends_with_parent

    return subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=ends_with_parent())


def _wait_healthy(url: str, server: subprocess.Popen[bytes], stop: threading.Event) -> bool:
    import httpx

    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline and not stop.is_set():
        if server.poll() is not None:
            _say(f"the server exited ({server.returncode}) before it answered")
            return False
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        stop.wait(0.2)
    if not stop.is_set():
        _say(f"the server did not answer at {url} within {_START_TIMEOUT_S:.0f} s")
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful stop), then SIGKILL when it does not end in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
