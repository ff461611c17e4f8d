"""What one request of a use case carries: the process's Runtime, who asks, and by when.

Nothing below the entry points reads ``os.environ`` or the clock directly: an entry
point builds a :class:`~awsconn.service.runtime.Runtime` once and, per request, a cheap
:class:`AppContext` naming the caller (the CLI: the local store's owner) and, for a
server, the request's deadline. ``AppContext(environ=...)`` builds a CLI runtime of its
own (what the CLI and most tests need).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from awsconn.model.clock import Clock, utc_now
from awsconn.service.access import LOCAL_OWNER, Caller
from awsconn.service.runtime import RunsAs, Runtime, log_warning

if TYPE_CHECKING:
    from awsconn.aws.deadline import Deadline, Workers
    from awsconn.aws.sessions import SessionFactory
    from awsconn.secrets.crypto import Keyring
    from awsconn.secrets.master_keys import MasterKeys
    from awsconn.secrets.store import SecretStore
    from awsconn.store.access import Store
    from awsconn.store.database import Database

__all__ = ["AppContext", "Runtime"]


class AppContext:
    """One request: ``runtime`` (shared), ``caller`` (who asks), ``deadline`` (optional)."""

    __slots__ = ("caller", "deadline", "runtime")

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        runtime: Runtime | None = None,
        caller: Caller = LOCAL_OWNER,
        deadline: Deadline | None = None,
        clock: Clock = utc_now,
        warn: Callable[[str], None] | None = None,
        runs_as: RunsAs = "cli",
    ) -> None:
        if (environ is None) == (runtime is None):
            raise TypeError("give an environ (a runtime of its own) or a runtime, not both")
        if runtime is None:
            assert environ is not None
            runtime = Runtime(environ, clock=clock, warn=warn or log_warning, runs_as=runs_as)
        self.runtime = runtime
        self.caller = caller
        self.deadline = deadline

    def for_request(self, caller: Caller, *, deadline: Deadline | None = None) -> AppContext:
        """Another request on the same runtime."""
        return AppContext(runtime=self.runtime, caller=caller, deadline=deadline)

    def budget(self, timeout_s: float) -> float:
        """Seconds an operation of this request may take: ``timeout_s``, or what is left
        of the request's deadline when that is sooner (TIMEOUT once it has passed)."""
        if self.deadline is None:
            return timeout_s
        left = self.deadline.remaining()
        if left <= 0:
            from awsconn.aws.deadline import DeadlinePassed, timeout_failure

            raise DeadlinePassed(
                timeout_failure(
                    f"the request's deadline of {self.deadline.timeout_s:g} s passed "
                    "before the operation could start"
                )
            )
        return min(timeout_s, left)

    # -- the runtime's parts, as use cases name them ----------------------------------

    @property
    def environ(self) -> Mapping[str, str]:
        return self.runtime.environ

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def warn(self) -> Callable[[str], None]:
        """Where warnings go (the CLI: stderr); ``runtime.warn_once`` says each once."""
        return self.runtime.warn

    @property
    def runs_as(self) -> RunsAs:
        return self.runtime.runs_as

    @property
    def home(self) -> Path:
        return self.runtime.home

    @property
    def account(self) -> str:
        return self.runtime.account

    @property
    def delegate_tags(self) -> frozenset[str]:
        return self.runtime.delegate_tags

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def master_keys(self) -> MasterKeys:
        return self.runtime.master_keys

    @property
    def secrets(self) -> SecretStore:
        return self.runtime.secrets

    @property
    def keyring(self) -> Keyring:
        return self.runtime.keyring

    @property
    def sessions(self) -> SessionFactory:
        return self.runtime.sessions

    @property
    def workers(self) -> Workers:
        return self.runtime.workers

    def reload_keys(self) -> None:
        self.runtime.reload_keys()

    def close(self) -> None:
        self.runtime.close()
