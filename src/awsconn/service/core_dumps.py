"""Keep decrypted secrets out of core dumps while a process holds them.

Why: ``exec``, ``credentials`` and the connection test decrypt access keys and tokens
into memory; a crash (or ``gcore``, or ``kill -QUIT``) would otherwise write them to a
core file readable long after. :func:`forbid_core_dumps` is called where secrets are
decrypted for use (``service.connection.session_spec``).

What a command run by ``awsconn exec`` inherits: the *soft* RLIMIT_CORE of 0 (it holds
the same credentials in its environment, so that is wanted; the hard limit is left as
it was, so the command may raise it again with ``ulimit -c``). The "dumpable" flag is
not inherited: the kernel resets it when the command is executed (execve), so the
command can be debugged as usual.
"""

from __future__ import annotations

import sys

__all__ = ["PR_GET_DUMPABLE", "PR_SET_DUMPABLE", "forbid_core_dumps"]

_done = False

# <linux/prctl.h>
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def forbid_core_dumps() -> None:
    """No core file from this process from now on: soft RLIMIT_CORE 0; on Linux also
    ``prctl(PR_SET_DUMPABLE, 0)`` (no core, no ptrace attach by other processes of the
    same user, /proc/PID/mem and environ closed to them).

    Idempotent: the calls are made once per process (``test --all`` builds hundreds of
    specs). Where the platform offers neither call the process runs unprotected rather
    than failing: lowering a soft limit cannot be refused.
    """
    global _done
    if _done:
        return
    try:
        import resource
    except ImportError:  # not a POSIX system
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    if sys.platform.startswith("linux"):
        _set_not_dumpable()
    _done = True


def _set_not_dumpable() -> None:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # a libc without prctl (e.g. a static build)
        return
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    prctl(PR_SET_DUMPABLE, 0, 0, 0)
