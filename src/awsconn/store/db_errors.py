"""Conversion of database driver errors into awsconn.errors, so none reaches a user.

Messages carry the driver's first line only (never the SQL statement or its
parameters) and the database URL without its password. SQLAlchemy is imported only
when a SQLAlchemy block is translated: the stdlib ``sqlite3`` point reader shares
``operational_error`` without loading it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from awsconn.errors import (
    AwsconnError,
    ConcurrentWrite,
    Conflict,
    InternalError,
    InvalidInput,
    StoreUnavailable,
)

__all__ = ["driver_message", "operational_error", "translated"]

_BUSY = ("database is locked", "database table is locked", "database is busy")
# PostgreSQL: serialization_failure, deadlock_detected; both mean "run it again".
_RACE_STATES = frozenset({"40001", "40P01"})
_UNIQUE = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def driver_message(exc: BaseException) -> str:
    """The first line of the driver's own message, without SQL or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:300]


def _driver_code(exc: BaseException) -> str | None:
    """psycopg's SQLSTATE or sqlite3's extended error name, when the driver gives one."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    return code if isinstance(code, str) else None


def operational_error(message: str, where: str) -> AwsconnError:
    """What a driver's "cannot do that now" message means for the user."""
    lowered = message.lower()
    if any(marker in lowered for marker in _BUSY):
        return StoreUnavailable(
            f"the database at {where} is busy: another process holds its write lock",
            hint="retry in a moment; if it persists, look for a stuck awsconn process",
        )
    if "unable to open database file" in lowered or "readonly database" in lowered:
        return StoreUnavailable(
            f"cannot open the database at {where}: {message}",
            hint="check that the directory exists and is writable, or set AWSCONN_DATABASE_URL",
        )
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return StoreUnavailable(
            f"the database at {where} has no awsconn schema: {message}",
            hint="open it with awsconn once so its migrations run",
        )
    return StoreUnavailable(
        f"the database at {where} cannot be used: {message}",
        hint="check AWSCONN_DATABASE_URL and that the database server is running",
    )


@contextmanager
def translated(where: str, *, conflict: str | None = None) -> Iterator[None]:
    """Run a block, converting database errors; ``conflict`` names what a violation means.

    A unique key another transaction inserted first, a serialization failure and a
    deadlock become :class:`ConcurrentWrite` (a Conflict that ``Database.run`` retries).
    """
    from sqlalchemy.exc import (
        DataError,
        IntegrityError,
        InterfaceError,
        OperationalError,
        SQLAlchemyError,
        StatementError,
    )

    try:
        yield
    except IntegrityError as exc:
        message = conflict or f"the change conflicts with stored data: {driver_message(exc)}"
        if _driver_code(exc) in _UNIQUE:
            raise ConcurrentWrite(message) from exc
        raise Conflict(message) from exc
    except (OperationalError, InterfaceError) as exc:
        if _driver_code(exc) in _RACE_STATES:
            raise ConcurrentWrite(
                f"another transaction changed the same rows at {where}: {driver_message(exc)}",
                hint="run the command again",
            ) from exc
        raise operational_error(driver_message(exc), where) from exc
    except DataError as exc:
        raise InvalidInput(f"the database rejected a value: {driver_message(exc)}") from exc
    except StatementError as exc:
        if isinstance(exc.orig, AwsconnError):
            raise exc.orig from exc
        raise InternalError(f"database statement failed: {driver_message(exc)}") from exc
    except SQLAlchemyError as exc:
        raise InternalError(f"database error at {where}: {driver_message(exc)}") from exc
