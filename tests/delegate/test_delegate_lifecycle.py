"""A delegate's life with real processes: its init script (reported, and a failure keeps it
from work), a graceful stop (SIGTERM: the running task finishes, nothing new is taken,
it leaves), and a delegate killed mid-task (its task goes back to the queue after the
lease and is finished, once, by another delegate).

A slow task is a connection test on a delegate whose AWS endpoint accepts connections
and never answers: it ends with TIMEOUT after the test's own timeout.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from agent_fixtures import (
    DelegateProcess,
    DelegateServer,
    add_connector,
    delegate_token,
    reap_until,
)

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

pytestmark = [pytest.mark.aws, pytest.mark.timeout(240)]

TEST = "/ng/api/connectors/testConnection/{}"


def _keys(moto_auth: LocalAwsEndpoint, name: str) -> dict[str, str]:
    keys = moto_auth.create_user(name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    return {
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
    }


def _test_in_background(server: DelegateServer, identifier: str, **params: Any) -> Any:
    """Start a connection test request; ``.join()`` then ``.result``."""
    holder: dict[str, Any] = {}

    def call() -> None:
        with server.client() as http:
            holder["answer"] = http.post(TEST.format(identifier), params=params)

    thread = threading.Thread(target=call)
    thread.start()

    class Pending:
        def result(self) -> dict[str, Any]:
            thread.join(timeout=120)
            answer = holder["answer"]
            assert answer.status_code == 200, answer.text
            data: dict[str, Any] = answer.json()["data"]
            return data

    return Pending()


def test_an_init_script_runs_once_and_its_end_is_shown(
    delegate_server: DelegateServer, module_dir: Path, fresh_name: str
) -> None:
    script = module_dir / f"{fresh_name}-init.sh"
    script.write_text(
        "echo preparing the machine\necho installed the tools\n"
        'echo "token seen: ${AWSCONN_DELEGATE_TOKEN:-none}"\n'
    )
    token = delegate_token(delegate_server)
    with DelegateProcess(
        delegate_server,
        module_dir,
        name=fresh_name,
        tags=["init-ok"],
        token=token,
        aws_endpoint=None,
        init_script=script,
    ) as d:
        info = d.wait_connected()
        assert info["initStatus"] == "succeeded" and info["initExitCode"] == 0
        assert "installed the tools" in info["initOutput"]
        assert "token seen: none" in info["initOutput"]  # the script never gets the token
        assert token not in info["initOutput"]
        assert "connection-test" in info["capabilities"]
        assert d.logs().count("running the init script") == 1


def test_a_failing_init_script_keeps_the_delegate_from_work_and_is_shown(
    delegate_server: DelegateServer, module_dir: Path, fresh_name: str
) -> None:
    script = module_dir / f"{fresh_name}-init.sh"
    script.write_text("echo installing serverless\necho 'npm ERR! boom' >&2\nexit 3\n")
    token = delegate_token(delegate_server)
    d = DelegateProcess(
        delegate_server,
        module_dir,
        name=fresh_name,
        tags=["init-bad"],
        token=token,
        aws_endpoint=None,
        init_script=script,
    ).start()
    assert d.wait_exit() == 1
    assert "the init script failed (exit status 3)" in d.logs()
    [listed] = d.listed()
    assert (listed["connected"], listed["status"]) == (False, "init-failed")
    assert listed["initExitCode"] == 3 and "npm ERR! boom" in listed["initOutput"]
    assert listed["reason"] == "its init script failed (exit 3)"

    env = {**delegate_server.env, "AWSCONN_URL": delegate_server.url}
    env["AWSCONN_TOKEN"] = delegate_server.token
    shown = subprocess.run(
        [sys.executable, "-m", "awsconn", "delegate", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"{fresh_name} (" in shown.stdout and "init script failed (exit 3)" in shown.stdout
    assert "npm ERR! boom" in shown.stdout

    add_connector(
        delegate_server,
        f"{fresh_name}_c",
        credential={"type": "InheritFromDelegate"},
        selectors=["init-bad"],
    )
    with delegate_server.client() as http:
        result = http.post(TEST.format(f"{fresh_name}_c")).json()["data"]
    assert result["status"] == "FAILURE"
    assert "registered but not connected" in result["errors"][0]["detailedMessage"]
    assert "its init script failed (exit 3)" in result["errors"][0]["detailedMessage"]


def test_sigterm_finishes_the_running_task_then_leaves(
    delegate_server: DelegateServer,
    module_dir: Path,
    fresh_name: str,
    moto_auth: LocalAwsEndpoint,
    silent_endpoint: str,
) -> None:
    tag = f"slow-{fresh_name}"
    add_connector(
        delegate_server, f"{fresh_name}_c", credential={"type": "InheritFromDelegate"},
        selectors=[tag],
    )  # fmt: skip
    d = DelegateProcess(
        delegate_server,
        module_dir,
        name=fresh_name,
        tags=[tag],
        token=delegate_token(delegate_server),
        aws_endpoint=silent_endpoint,
        aws=_keys(moto_auth, fresh_name),
    ).start()
    d.wait_connected()
    pending = _test_in_background(delegate_server, f"{fresh_name}_c", timeout=4)
    d.wait_log(" taken: connection-test")
    d.terminate()
    result = pending.result()
    assert result["status"] == "FAILURE" and result["delegateName"] == fresh_name
    assert result["errors"][0]["reason"] == "TIMEOUT"  # it ran to its end, and was posted
    assert d.wait_exit() == 0
    logs = d.logs()
    assert "SIGTERM received: taking no new task, finishing 1 running" in logs
    assert logs.index("SIGTERM received") < logs.index("done in") < logs.index("disconnected")
    [listed] = d.listed()
    assert listed["status"] == "disconnected" and not listed["connected"]


def test_a_delegate_killed_mid_task_loses_it_to_another_which_finishes_it_once(
    delegate_server: DelegateServer,
    module_dir: Path,
    fresh_name: str,
    moto_auth: LocalAwsEndpoint,
    silent_endpoint: str,
) -> None:
    tag = f"kill-{fresh_name}"
    connector = f"{fresh_name}_c"
    add_connector(
        delegate_server, connector, credential={"type": "InheritFromDelegate"}, selectors=[tag]
    )
    token = delegate_token(delegate_server)
    keys = _keys(moto_auth, fresh_name)
    doomed = DelegateProcess(
        delegate_server, module_dir, name=f"{fresh_name}-1", tags=[tag], token=token,
        aws_endpoint=silent_endpoint, aws=keys,
    ).start()  # fmt: skip
    doomed.wait_connected()
    with delegate_server.client() as http:
        submitted = http.post(
            "/ng/api/awsconn/tasks",
            json={
                "kind": "connection-test",
                "connector": connector,
                "params": {"timeoutSeconds": 60},
                "deadlineSeconds": 180,
            },
        )
    assert submitted.status_code == 200, submitted.text
    task_id = submitted.json()["data"]["id"]
    doomed.wait_log(f"task {task_id} taken")
    doomed.kill()

    with DelegateProcess(
        delegate_server, module_dir, name=f"{fresh_name}-2", tags=[tag], token=token,
        aws_endpoint=moto_auth.url, aws=keys,
    ) as heir:  # fmt: skip
        heir_id = heir.wait_connected()["id"]

        def ended() -> dict[str, Any] | None:
            with delegate_server.client() as http:
                task: dict[str, Any] = http.get(f"/ng/api/awsconn/tasks/{task_id}").json()["data"]
            return task if task["state"] not in ("queued", "running") else None

        task = reap_until(delegate_server, ended)
        assert (task["state"], task["owner"]) == ("succeeded", heir_id)
        assert task["result"]["status"] == "SUCCESS"
        # attempt 2 is the heir's; on a loaded machine its short lease may lapse once more
        # and it takes the task again: every attempt after the first is the heir's
        assert task["attempt"] >= 2
        assert heir.logs().count(f"task {task_id} taken") == task["attempt"] - 1
    assert doomed.logs().count(f"task {task_id} taken") == 1
    with delegate_server.client() as http:
        history = http.get(f"/ng/api/awsconn/connectors/{connector}/history").json()["data"]
        tasks = http.get("/ng/api/awsconn/tasks", params={"connector": connector}).json()["data"]
    assert [h["status"] for h in history] == ["SUCCESS"]  # finished exactly once
    assert [t["id"] for t in tasks] == [task_id]
