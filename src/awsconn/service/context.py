"""What every use case needs, built once per process from the environment and passed in.

Nothing below the entry points reads ``os.environ`` or the clock directly: the CLI
(or a test) builds an :class:`AppContext` and hands it to the service functions.
Warnings (a home folder or database file open to other users) go to ``warn``, each
once; the CLI passes one that writes them to stderr.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from awsconn.model.clock import Clock, utc_now
from awsconn.service.access import LOCAL_OWNER, Caller

if TYPE_CHECKING:
    from awsconn.aws.sessions import SessionFactory
    from awsconn.secrets.crypto import Keyring
    from awsconn.secrets.master_keys import MasterKeys
    from awsconn.secrets.store import SecretStore
    from awsconn.store.access import Store
    from awsconn.store.database import Database

__all__ = ["AppContext"]


def _log_warning(message: str) -> None:
    import logging

    logging.getLogger("awsconn").warning("%s", message)


@dataclass
class AppContext:
    """The process's environment, clock, home folder, and lazily opened resources."""

    environ: Mapping[str, str]
    clock: Clock = utc_now
    warn: Callable[[str], None] = _log_warning
    caller: Caller = LOCAL_OWNER
    """Who runs the use cases of this context (the local store's owner unless a token says)."""
    _overrides: dict[str, object] = field(default_factory=dict)
    _warned: set[str] = field(default_factory=set)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)

    @cached_property
    def home(self) -> Path:
        from awsconn.store.home import awsconn_home

        return awsconn_home(self.environ)

    @cached_property
    def database_url(self) -> str:
        url = self.environ.get("AWSCONN_DATABASE_URL")
        if url:
            return url
        from awsconn.store.home import ensure_private_dir

        try:
            ensure_private_dir(self.home, "awsconn's home folder", self._warn_once)
        except OSError as exc:
            from awsconn.errors import StoreUnavailable

            raise StoreUnavailable(
                f"cannot use {self.home} as awsconn's home folder: {exc.strerror or exc}",
                hint="set AWSCONN_HOME to a folder this user can create and write "
                "(default ~/.awsconn)",
            ) from None
        return f"sqlite:///{self.home / 'awsconn.db'}"

    @cached_property
    def store(self) -> Store:
        """The store: hot point reads cheap, the full database opened on first need."""
        from awsconn.store.access import Store

        return Store(self.database_url, clock=self.clock, warn=self._warn_once)

    @property
    def db(self) -> Database:
        """The SQLAlchemy database (opened, and migrated if needed, on first use)."""
        return self.store.database

    @cached_property
    def master_keys(self) -> MasterKeys:
        from awsconn.secrets.master_keys import MasterKeys

        return MasterKeys(self.environ, home=self.home, warn=self._warn_once)

    @property
    def keyring(self) -> Keyring:
        """The keys new secrets are sealed with (a key is made only for an empty store)."""
        return self.secrets.keyring_to_seal()

    @cached_property
    def secrets(self) -> SecretStore:
        from awsconn.secrets.store import SecretStore

        return SecretStore(self.store, self.master_keys)

    @cached_property
    def sessions(self) -> SessionFactory:
        from awsconn.aws.sessions import SessionFactory

        return SessionFactory(environ=self.environ)

    @cached_property
    def account(self) -> str:
        """The account this store belongs to (``AWSCONN_ACCOUNT``, default ``default``).

        awsconn keeps one account per store: a connector document's ``accountIdentifier``
        must name it. A value that is not an account identifier is bad input (exit 2).
        """
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

    @cached_property
    def delegate_tags(self) -> frozenset[str]:
        """This process's tags as a local delegate (``AWSCONN_DELEGATE_TAGS``, comma-separated)."""
        raw = self.environ.get("AWSCONN_DELEGATE_TAGS", "")
        return frozenset(t.strip() for t in raw.split(",") if t.strip())

    def reload_keys(self) -> None:
        """Forget the loaded master keys (after the key file changed)."""
        self.__dict__.pop("secrets", None)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
