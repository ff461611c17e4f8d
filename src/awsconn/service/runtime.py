"""What lives for the whole process: built once, shared by every request, thread-safe.

A server handles many requests at once over one database, one set of master keys, one
session factory (botocore's data loaded once) and one pool of deadline-bound workers;
the CLI builds one for its single command. Resources open on first use, each once
even when several threads ask at the same moment. Nothing here is about one request:
the caller and its deadline are the :class:`~awsconn.service.context.AppContext`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from awsconn.model.clock import Clock, utc_now

if TYPE_CHECKING:
    from awsconn.aws.deadline import Workers
    from awsconn.aws.sessions import SessionFactory
    from awsconn.secrets.crypto import Keyring
    from awsconn.secrets.master_keys import MasterKeys
    from awsconn.secrets.store import SecretStore
    from awsconn.store.access import Store
    from awsconn.store.database import Database

__all__ = ["RunsAs", "Runtime", "log_warning"]

RunsAs = Literal["cli", "server", "delegate"]
"""What this process is: the CLI on a local store is its own local delegate (it lends its
machine's AWS identity); a server has no identity of its own to lend and sends such work
to delegates as tasks; a delegate agent runs the tasks it takes (no store of its own)."""

_T = TypeVar("_T")


def log_warning(message: str) -> None:
    """The default ``warn``: the ``awsconn`` logger."""
    import logging

    logging.getLogger("awsconn").warning("%s", message)


class Runtime:
    """The process's environment, clock and lazily opened, shared resources.

    ``environ`` replaces ``os.environ`` everywhere below; ``warn`` receives each warning
    (a home folder open to other users, ...) once; ``sessions`` replaces the session
    factory built from ``environ``.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        clock: Clock = utc_now,
        warn: Callable[[str], None] = log_warning,
        runs_as: RunsAs = "cli",
        sessions: SessionFactory | None = None,
    ) -> None:
        if runs_as not in ("cli", "server", "delegate"):
            raise ValueError(f"runs_as is 'cli', 'server' or 'delegate', not {runs_as!r}")
        self.environ: Mapping[str, str] = dict(environ)
        self.clock = clock
        self.warn = warn
        self.runs_as: RunsAs = runs_as
        self._lock = threading.RLock()
        self._built: dict[str, object] = {}
        if sessions is not None:  # a factory of the caller's own (its own client config)
            self._built["sessions"] = sessions
        self._warned: set[str] = set()

    def _once(self, name: str, build: Callable[[], _T]) -> _T:
        """``build()`` on first use only, however many threads ask at once."""
        found = self._built.get(name)
        if found is None:
            with self._lock:
                found = self._built.get(name)
                if found is None:
                    found = self._built[name] = build()
        return found  # type: ignore[return-value]

    def warn_once(self, message: str) -> None:
        with self._lock:
            if message in self._warned:
                return
            self._warned.add(message)
        self.warn(message)

    # -- settings ----------------------------------------------------------------

    @property
    def home(self) -> Path:
        from awsconn.store.home import awsconn_home

        return self._once("home", lambda: awsconn_home(self.environ))

    @property
    def account(self) -> str:
        """The account this store belongs to (``AWSCONN_ACCOUNT``, default ``default``).

        awsconn keeps one account per store: a connector document's ``accountIdentifier``
        must name it. A value that is not an account identifier is bad input (exit 2).
        """
        return self._once("account", self._account)

    def _account(self) -> str:
        from awsconn.errors import Problem, ValidationFailed
        from awsconn.model.identifiers import (
            ACCOUNT_IDENTIFIER_RULE,
            DEFAULT_ACCOUNT,
            account_identifier_problem,
        )

        value = self.environ.get("AWSCONN_ACCOUNT", "").strip() or DEFAULT_ACCOUNT
        if why := account_identifier_problem(value):
            problem = Problem("AWSCONN_ACCOUNT", why, given=value, allowed=ACCOUNT_IDENTIFIER_RULE)
            raise ValidationFailed([problem], what="environment")
        return value

    @property
    def delegate_tags(self) -> frozenset[str]:
        """This process's tags as a local delegate (``AWSCONN_DELEGATE_TAGS``, comma-separated);
        none on a server, which lends no identity of its own, nor in a delegate agent (its
        tags are those it registered with)."""
        if self.runs_as != "cli":
            return frozenset()
        raw = self.environ.get("AWSCONN_DELEGATE_TAGS", "")
        return frozenset(t.strip() for t in raw.split(",") if t.strip())

    # -- the store and the secrets -------------------------------------------------

    @property
    def database_url(self) -> str:
        return self._once("database_url", self._database_url)

    def _database_url(self) -> str:
        url = self.environ.get("AWSCONN_DATABASE_URL")
        if url:
            return url
        from awsconn.store.home import ensure_private_dir

        try:
            ensure_private_dir(self.home, "awsconn's home folder", self.warn_once)
        except OSError as exc:
            from awsconn.errors import StoreUnavailable

            raise StoreUnavailable(
                f"cannot use {self.home} as awsconn's home folder: {exc.strerror or exc}",
                hint="set AWSCONN_HOME to a folder this user can create and write "
                "(default ~/.awsconn)",
            ) from None
        return f"sqlite:///{self.home / 'awsconn.db'}"

    @property
    def store(self) -> Store:
        """The store: hot point reads cheap, the full database opened on first need."""

        def build() -> Store:
            from awsconn.store.access import Store

            return Store(self.database_url, clock=self.clock, warn=self.warn_once)

        return self._once("store", build)

    @property
    def db(self) -> Database:
        """The SQLAlchemy database (opened, and migrated if needed, on first use)."""
        return self.store.database

    @property
    def master_keys(self) -> MasterKeys:
        def build() -> MasterKeys:
            from awsconn.secrets.master_keys import MasterKeys

            return MasterKeys(self.environ, home=self.home, warn=self.warn_once)

        return self._once("master_keys", build)

    @property
    def secrets(self) -> SecretStore:
        def build() -> SecretStore:
            from awsconn.secrets.store import SecretStore

            return SecretStore(self.store, self.master_keys)

        return self._once("secrets", build)

    @property
    def keyring(self) -> Keyring:
        """The keys new secrets are sealed with (a key is made only for an empty store)."""
        return self.secrets.keyring_to_seal()

    def reload_keys(self) -> None:
        """Forget the loaded master keys (after the key file changed)."""
        with self._lock:
            self._built.pop("secrets", None)

    # -- AWS -----------------------------------------------------------------------

    @property
    def sessions(self) -> SessionFactory:
        def build() -> SessionFactory:
            from awsconn.aws.sessions import SessionFactory

            return SessionFactory(environ=self.environ)

        return self._once("sessions", build)

    @property
    def workers(self) -> Workers:
        """The process's threads for deadline-bound AWS work (abandoned ones capped)."""
        from awsconn.aws.deadline import WORKERS

        return WORKERS

    def close(self) -> None:
        with self._lock:
            store = self._built.get("store")
        if store is not None:
            store.close()  # type: ignore[attr-defined]
