"""Running ``exec``'s command: its exit code becomes awsconn's, signals sent to awsconn
reach it, and a command that cannot start is 127 / 126 as in a shell."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Mapping
from types import FrameType

__all__ = ["FORWARDED", "run_child"]

FORWARDED = tuple(
    getattr(signal, name)
    for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")
    if hasattr(signal, name)
)
"""Signals passed on to the command. SIGINT is not among them: Ctrl-C reaches the whole
foreground process group from the terminal already (a second copy would make tools
such as terraform abort instead of stopping cleanly), so awsconn ignores it and waits."""


def run_child(command: list[str], env: Mapping[str, str]) -> int:
    """Run ``command`` to its end with ``env``; its exit code (128 + N when signal N
    ended it), 127 when not found, 126 when not executable."""
    try:
        child = subprocess.Popen(command, env=dict(env))
    except FileNotFoundError:
        sys.stderr.write(f"awsconn exec: command not found: {command[0]}\n")
        return 127
    except PermissionError:
        sys.stderr.write(f"awsconn exec: permission denied: {command[0]}\n")
        return 126

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code
