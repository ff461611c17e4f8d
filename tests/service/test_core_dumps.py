"""A process that decrypts secrets for use writes no core dump; a command it runs can.

Checked in fresh processes (the limits are process state): the soft RLIMIT_CORE is
raised first, so the test sees awsconn lower it, and the dumpable flag starts at 1.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from awsconn.aws.local_endpoint import isolated_environ

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_DUMPABLE is Linux's"
)

CONNECTOR = """connector:
  name: c
  identifier: c
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIACOREDUMP00000001
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""

# The core-dump state of the process it runs in: RLIMIT_CORE and prctl(PR_GET_DUMPABLE).
CORE_STATE = """
import ctypes, json, resource, sys


def core_state():
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)
    return {"core": list(resource.getrlimit(resource.RLIMIT_CORE)), "dumpable": dumpable}
"""
PRINT_STATE = CORE_STATE + "print(json.dumps(core_state()))\n"
# Sets up a connector, then runs one command in-process and reports the state around it.
PROBE = (
    CORE_STATE
    + """
from awsconn.cli import main

assert main(["secret", "create", "sk", "--value-file", sys.argv[1]]) == 0
assert main(["connector", "create", "-f", sys.argv[2]]) == 0
before = core_state()
code = main(sys.argv[3:])
print(json.dumps({"before": before, "after": core_state(), "code": code}))
"""
)


def _raise_soft_core_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


@pytest.fixture
def files(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        pytest.skip("the hard core limit is 0 here: nothing for awsconn to lower")
    env = isolated_environ("http://127.0.0.1:9", tmp_path / "aws")
    env.update(AWSCONN_HOME=str(tmp_path / "home"), PATH=os.environ["PATH"])
    if "PYTHONPATH" in os.environ:  # the same awsconn as this test process
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    value = tmp_path / "value"
    value.write_text("secret-for-core-dump-test")
    doc = tmp_path / "c.yaml"
    doc.write_text(CONNECTOR)
    return env, value, doc


@pytest.mark.parametrize(
    "argv",
    [
        ["credentials", "c"],
        ["exec", "c", "--", "true"],
        ["connector", "test", "c", "--timeout", "5"],
    ],
)
def test_decrypting_secrets_for_use_turns_core_dumps_off(
    files: tuple[dict[str, str], Path, Path], argv: list[str]
) -> None:
    env, value, doc = files
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(value), str(doc), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_raise_soft_core_limit,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    assert state["before"] == {"core": [hard, hard], "dumpable": 1}  # creating decrypts nothing
    assert state["after"] == {"core": [0, hard], "dumpable": 0}


def test_a_command_run_by_exec_inherits_only_the_soft_limit(
    files: tuple[dict[str, str], Path, Path],
) -> None:
    env, value, doc = files
    awsconn = [sys.executable, "-c", "import sys; from awsconn.cli import main; sys.exit(main())"]
    for argv in (
        ["secret", "create", "sk", "--value-file", str(value)],
        ["connector", "create", "-f", str(doc)],
    ):
        subprocess.run([*awsconn, *argv], env=env, check=True, capture_output=True, timeout=60)
    done = subprocess.run(
        [*awsconn, "exec", "c", "--", sys.executable, "-c", PRINT_STATE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_raise_soft_core_limit,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    # soft 0 is inherited (the command holds the same keys); it may raise it to the
    # unchanged hard limit; execve reset the dumpable flag, so it can be debugged.
    assert json.loads(done.stdout) == {"core": [0, hard], "dumpable": 1}
