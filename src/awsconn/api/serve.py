"""Starting a server: the store ready and the first admin token made before the port is
bound, then uvicorn with one or more worker processes.

``awsconn server`` calls :func:`serve`. Before anything listens, :func:`prepare` opens
the store (migrations run under a lock: SQLite's write lock, a PostgreSQL advisory lock,
so replicas starting together migrate once) and, when no live admin token holds the
account, makes one (once, however many start together), writes it (0600) to
``$AWSCONN_HOME/admin-token`` and prints it once on stderr. Each worker process builds
its own Runtime and application (:func:`app_from_environ`, uvicorn's factory).

Several workers on SQLite are safe: writers queue on SQLite's write lock (``BEGIN
IMMEDIATE``, 10 s busy timeout) and readers never wait (WAL). With several workers the
Prometheus samples of every worker go to a private folder (``PROMETHEUS_MULTIPROC_DIR``)
that lives as long as the server.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from awsconn.api.settings import ServerSettings
from awsconn.errors import InvalidInput

__all__ = ["LOG_CONFIG", "app_from_environ", "prepare", "serve"]

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"format": "%(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "awsconn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "awsconn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def app_from_environ() -> Any:
    """uvicorn's factory in each worker: the application over a Runtime of this process."""
    from awsconn.api.app import create_app
    from awsconn.service.runtime import Runtime

    runtime = Runtime(os.environ, runs_as="server")
    return create_app(runtime, ServerSettings.from_environ(os.environ))


def prepare(environ: MutableMapping[str, str], *, say: Callable[[str], None]) -> str | None:
    """The store opened (migrated under its lock) and the first admin token made when none
    is live; returns that token (already said through ``say`` and written to its file)."""
    from awsconn.service.context import AppContext
    from awsconn.service.runtime import Runtime
    from awsconn.service.tokens import BOOTSTRAP_NAME, admin_token_path, ensure_admin_token

    runtime = Runtime(environ, runs_as="server", warn=say)
    try:
        ctx = AppContext(runtime=runtime)  # the store's owner: the server process itself
        runtime.db  # noqa: B018  (opens the store: migrations run here, under the lock)
        token = ensure_admin_token(ctx)
        if token is not None:
            say(
                f"admin token {BOOTSTRAP_NAME!r} created and written to "
                f"{admin_token_path(ctx)} (mode 0600); it is printed this once:\n{token}"
            )
        return token
    finally:
        runtime.close()


def _check(settings: ServerSettings) -> None:
    if (settings.certfile is None) != (settings.keyfile is None):
        raise InvalidInput(
            "TLS needs both a certificate file and its key file",
            hint="give certfile and keyfile together (or neither, for plain HTTP)",
        )
    for what, path in (("certfile", settings.certfile), ("keyfile", settings.keyfile)):
        if path is not None and not Path(path).is_file():
            raise InvalidInput(f"{what} {path} is not a readable file")
    if settings.root_path and not settings.root_path.startswith("/"):
        raise InvalidInput(
            f"root path {settings.root_path!r} must start with '/'",
            hint="the path prefix the reverse proxy serves awsconn under, e.g. /awsconn",
        )


def serve(settings: ServerSettings, *, say: Callable[[str], None] | None = None) -> None:
    """Run the server until it is stopped (SIGINT, SIGTERM); see the module docstring."""
    import uvicorn

    from awsconn.api.background import check_environ
    from awsconn.api.metrics import MULTIPROC_ENV

    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    _check(settings)
    check_environ(os.environ)
    prepare(os.environ, say=say)
    os.environ.update(settings.app_environ())
    metrics_dir = None
    if settings.workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="awsconn-metrics-")  # 0700, this server's own
        os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        uvicorn.run(
            "awsconn.api.serve:app_from_environ",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            root_path=settings.root_path,
            ssl_certfile=settings.certfile,
            ssl_keyfile=settings.keyfile,
            access_log=False,
            log_config=LOG_CONFIG,
            server_header=False,
            timeout_graceful_shutdown=10,
        )
    finally:
        if metrics_dir is not None:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(metrics_dir, ignore_errors=True)
