"""The delegate's init script (the seed's ``INIT_SCRIPT``): run once, before any task.

It typically installs tools (the AWS CLI, serverless) and prepares the machine. It runs
with ``/bin/sh`` (or its own ``#!`` line when it is executable), in the delegate's
environment, its standard output and error captured together; what is reported is its
exit status and the last :data:`TAIL_CHARS` characters of that output, shown on the
delegate in the server's list. A script that runs longer than its timeout is stopped
(its whole process group) and reported as exit status 124, as ``timeout(1)`` does.
The script never sees awsconn's own tokens (:data:`HIDDEN_FROM_SCRIPT`): it installs
tools, and what it runs (a package's install hook) has no business with the delegate's
token; its AWS identity stays, since installing may need it.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HIDDEN_FROM_SCRIPT", "TAIL_CHARS", "TIMED_OUT", "InitResult", "run_init_script"]

HIDDEN_FROM_SCRIPT = frozenset({"AWSCONN_DELEGATE_TOKEN", "AWSCONN_TOKEN"})
"""Environment variables the init script does not inherit."""

TAIL_CHARS = 4096
"""How much of the output's end is kept and reported (the server bounds it again)."""
TIMED_OUT = 124
_MAX_CAPTURE = 1024 * 1024  # the end of the output that is decoded (the tail is cut from it)


@dataclass(frozen=True)
class InitResult:
    exit_status: int
    output_tail: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def _command(script: Path) -> list[str]:
    if os.access(script, os.X_OK):
        return [str(script.resolve())]
    return ["/bin/sh", str(script.resolve())]


def run_init_script(script: Path, environ: Mapping[str, str], *, timeout_s: float) -> InitResult:
    """Run ``script`` once; its exit status and output tail (never an exception: a script
    that cannot start is exit status 127 with the reason as its output)."""
    try:
        proc = subprocess.Popen(
            _command(script),
            env={k: v for k, v in environ.items() if k not in HIDDEN_FROM_SCRIPT},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return InitResult(127, f"the init script could not start: {exc.strerror or exc}")
    try:
        out, _ = proc.communicate(timeout=timeout_s)
        status = proc.returncode
        note = ""
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        out, _ = proc.communicate()
        status = TIMED_OUT
        note = f"\n[awsconn: the init script ran longer than {timeout_s:g} s and was stopped]"
    text = out[-_MAX_CAPTURE:].decode("utf-8", errors="replace") + note
    if status < 0:  # killed by a signal: report it as a shell would
        status = 128 - status
    return InitResult(status, text[-TAIL_CHARS:])
