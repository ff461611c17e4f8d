"""``awsconn exec REF --server -- cmd``: the command gets credentials from a loopback server
(the container credentials protocol), fresh ones past the first session, and its exit
code and signals pass through awsconn. boto3 runs in a real child process against the
moto server with IAM auth."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_fixtures import Runner

from awsconn.model import parse_ref
from awsconn.service.connection import credential_feed, served_environment
from awsconn.service.context import AppContext
from awsconn.service.credential_server import ContainerCredentialServer

CHILD = """
import json, os, sys, urllib.error, urllib.request
import boto3
url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
try:
    urllib.request.urlopen(url)  # no token
    unauthorized = None
except urllib.error.HTTPError as exc:
    unauthorized = exc.code
arn = boto3.client("sts").get_caller_identity()["Arn"]
json.dump({
    "arn": arn,
    "url": url,
    "keys_in_env": sorted(k for k in os.environ if k in ("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN")),
    "region": os.environ["AWS_REGION"],
    "unauthorized": unauthorized,
}, open(sys.argv[1], "w"))
sys.exit(3)
"""


def _port_closed(url: str) -> bool:
    host_port = url.split("/")[2]
    host, port = host_port.split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def test_the_child_uses_the_server_and_its_exit_code_is_returned(
    cli: Runner, role_connector: Callable[..., str], tmp_path: Path
) -> None:
    role_connector("served")
    out = tmp_path / "child.json"
    r = cli("exec", "served", "--server", "--", sys.executable, "-c", CHILD, str(out))
    assert r.code == 3, r.text
    seen = json.loads(out.read_text())
    assert ":assumed-role/" in seen["arn"]
    assert seen["url"].startswith("http://127.0.0.1:")
    assert seen["keys_in_env"] == [] and seen["region"] == "us-east-1"
    assert seen["unauthorized"] == 401
    assert _port_closed(seen["url"])  # the server stopped with the command


def test_long_lived_keys_need_no_server_and_say_so(
    cli: Runner, moto_auth, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name)
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    doc = f"""
connector:
  name: plain
  identifier: plain
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {keys.access_key_id}
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""
    assert cli("connector", "create", "-f", "-", input=doc).code == 0
    r = cli("exec", "plain", "--server", "--", "true")
    assert r.code == 2 and "nothing to refresh" in r.err
    assert keys.secret_access_key not in r.text


@pytest.fixture
def served(
    cli: Runner, role_connector: Callable[..., str]
) -> Iterator[tuple[dict[str, str], Callable[[float], ContainerCredentialServer]]]:
    role_connector("served")
    env = dict(os.environ)
    ctx = AppContext(environ=env)
    fetch, region = credential_feed(ctx, parse_ref("served"))
    env["AWS_REGION"] = region
    made: list[ContainerCredentialServer] = []

    def make(refresh_before_s: float) -> ContainerCredentialServer:
        server = ContainerCredentialServer(fetch, refresh_before_s=refresh_before_s).start()
        made.append(server)
        return server

    try:
        yield env, make
    finally:
        for server in made:
            server.stop()
        ctx.close()


def test_requests_without_the_token_or_at_another_path_get_nothing(served) -> None:
    _env, make = served
    server = make(1200)
    for url, headers in (
        (server.url, {}),
        (server.url, {"Authorization": server.token[:-1] + "x"}),
        (server.url.rsplit("/", 1)[0] + "/other", {"Authorization": server.token}),
    ):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers))
        assert caught.value.code in (401, 404)
        assert b"SecretAccessKey" not in caught.value.read()
    ok = urllib.request.urlopen(
        urllib.request.Request(server.url, headers={"Authorization": server.token})
    )
    body = json.loads(ok.read())
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}


REFRESHING_CHILD = """
import sys, time
import boto3
from botocore.credentials import RefreshableCredentials
# The child's SDK asks again {ask} s into an hour-long session, as it would 15 minutes
# before expiry; the server refreshes what it holds once it is {old} s old.
RefreshableCredentials._advisory_refresh_timeout = 3600 - {ask}
RefreshableCredentials._mandatory_refresh_timeout = 3600 - {ask} - 4
session = boto3.Session()
sts = session.client("sts")
keys = []
deadline = time.monotonic() + 60
while time.monotonic() < deadline and len(set(keys)) < 3:
    sts.get_caller_identity()
    keys.append(session.get_credentials().get_frozen_credentials().access_key)
    time.sleep(0.5)
print(len(set(keys)), len(keys))
"""


def test_a_long_running_child_gets_fresh_credentials_past_the_first_session(served) -> None:
    env, make = served
    # Expiry driven by the server's refresh margin (moto does not expire sessions): what
    # an hour-long session is after 3 s, the server treats as due.
    server = make(3600 - 3)
    child_env = served_environment(env, server.environment(), env["AWS_REGION"])
    code = REFRESHING_CHILD.format(ask=5, old=3)
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    distinct, calls = map(int, done.stdout.split())
    assert distinct == 3, (distinct, calls)  # every call succeeded on three sessions
    assert server.fetches >= 3


SIGNALLED_CHILD = """
import signal, sys, time
from pathlib import Path
out = Path(sys.argv[1])
def stop(signum, frame):
    out.write_text(signal.Signals(signum).name)
    sys.exit(42)
signal.signal(signal.SIGTERM, stop)
out.write_text("ready")
time.sleep(60)
"""


def _awsconn(args: list[str], home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AWSCONN_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "awsconn", *args], env=env)


def _wait_for(path: Path, text: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_text() == text:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never said {text!r}")


@pytest.mark.parametrize(("sig", "expected"), [(signal.SIGTERM, 42), (signal.SIGHUP, 129)])
def test_signals_reach_the_child_and_its_end_is_awsconns(
    cli: Runner,
    role_connector: Callable[..., str],
    awsconn_home: Path,
    tmp_path: Path,
    sig: int,
    expected: int,
) -> None:
    role_connector("served")
    flag = tmp_path / "flag"
    proc = _awsconn(
        ["exec", "served", "--server", "--", sys.executable, "-c", SIGNALLED_CHILD, str(flag)],
        awsconn_home,
    )
    try:
        _wait_for(flag, "ready")
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == expected
        if sig == signal.SIGTERM:
            assert flag.read_text() == "SIGTERM"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
