"""Conversion of SQLAlchemy/DBAPI errors into awsconn.errors, so none reaches a user.

Messages carry the driver's first line only (never the SQL statement or its
parameters) and the database URL without its password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from awsconn.errors import AwsconnError, Conflict, InternalError, InvalidInput, StoreUnavailable

__all__ = ["driver_message", "translated"]

_BUSY = ("database is locked", "database table is locked", "database is busy")


def driver_message(exc: BaseException) -> str:
    """The first line of the driver's own message, without SQL or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:300]


def _operational(exc: SQLAlchemyError, where: str) -> AwsconnError:
    message = driver_message(exc)
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
    """Run a block, converting database errors; ``conflict`` names what a duplicate means."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(
            conflict or f"the change conflicts with stored data: {driver_message(exc)}"
        ) from exc
    except (OperationalError, InterfaceError) as exc:
        raise _operational(exc, where) from exc
    except DataError as exc:
        raise InvalidInput(f"the database rejected a value: {driver_message(exc)}") from exc
    except StatementError as exc:
        if isinstance(exc.orig, AwsconnError):
            raise exc.orig from exc
        raise InternalError(f"database statement failed: {driver_message(exc)}") from exc
    except SQLAlchemyError as exc:
        raise InternalError(f"database error at {where}: {driver_message(exc)}") from exc
