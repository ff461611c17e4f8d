"""``make run``'s command, ``awsconn demo-server``, as a real process: it comes up with the
demo loaded (connectors with their test results), its local delegate runs the delegate
connectors' tests, and Ctrl-C (SIGINT) stops everything and removes the demo's data."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_fixtures import free_port

pytestmark = [pytest.mark.aws, pytest.mark.timeout(240)]

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = log.read_text(errors="replace")
        if text in found:
            return found
        assert proc.poll() is None, f"demo-server exited ({proc.returncode}):\n{found}"
        time.sleep(0.2)
    raise AssertionError(f"not {text!r} in {timeout_s} s:\n{log.read_text(errors='replace')}")


def test_make_run_starts_the_demo_server_with_a_delegate() -> None:
    recipe = MAKEFILE.read_text().split("\nrun: install\n", 1)[1].split("\n", 1)[0]
    assert recipe.strip() == "$(BIN)/awsconn demo-server"


def test_the_demo_server_serves_the_demo_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo-server.log"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "awsconn", "demo-server", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        text = _wait_for(log, "Ctrl-C stops everything.", proc, 150)
        found = re.search(rf"at {re.escape(url)} .*\n.*admin token:\n(awsc_\S+)", text)
        assert found, text
        token = found.group(1)
        home = Path(re.search(r"written to (\S+)/admin-token", text).group(1))  # type: ignore[union-attr]
        assert home.is_dir()
        _wait_for(log, "registered as local (", proc, 60)
        _wait_for(log, "registered as local-irsa", proc, 60)
        with httpx.Client(base_url=url, headers={"x-api-key": token}, timeout=60) as http:
            listed = http.get("/ng/api/connectors", params={"pageSize": 50})
            assert listed.status_code == 200, listed.text
            items: list[dict[str, Any]] = listed.json()["data"]["content"]
            status = {i["connector"]["identifier"]: i["status"]["status"] for i in items}
            assert len(status) == 10 and status["keys_ok"] == "SUCCESS"
            assert status["keyless_oidc"] == "SUCCESS"
            assert status["keys_invalid"] == "FAILURE"

            def tested(identifier: str) -> dict[str, Any]:
                answer = http.post(f"/ng/api/connectors/testConnection/{identifier}")
                assert answer.status_code == 200, answer.text
                data: dict[str, Any] = answer.json()["data"]
                return data

            inherit = tested("delegate_identity")
            assert (inherit["status"], inherit["delegateName"]) == ("SUCCESS", "local")
            keys = tested("keys_ok")
            assert keys["status"] == "SUCCESS" and keys.get("delegateName") is None  # the server
            irsa = tested("irsa_pod")  # the delegate with a pod's web identity runs it
            assert (irsa["status"], irsa["delegateName"]) == ("SUCCESS", "local-irsa"), irsa
            assert irsa["identity"]["credentialMethod"] == "assume-role-with-web-identity"
            keyless = tested("keyless_oidc")  # the server signs, the pod-like delegate runs it
            assert (keyless["status"], keyless["delegateName"]) == ("SUCCESS", "local-irsa")
            issuer = http.get("/.well-known/openid-configuration").json()["issuer"]
            assert issuer == url
        assert token not in log.read_text().split(token, 2)[-1]  # printed, never logged after

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0
        text = log.read_text(errors="replace")
        assert "disconnected local-irsa (" in text and "disconnected local (" in text
        assert "stopped; the demo's data is removed" in text
        assert text.index("disconnected local") < text.index("Finished server process")
        assert "Traceback" not in text
        assert not home.exists()
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/healthz", timeout=2)
    finally:
        if proc.poll() is None:  # a failed check: stop it as a user would, then for good
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
