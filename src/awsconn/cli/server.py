"""``awsconn server``: the REST API (Harness's NG endpoints and awsconn's own) over HTTP.

Options only; everything else is ``awsconn.api.serve`` (imported when the command runs,
so ``awsconn --help`` loads no web framework).
"""

from __future__ import annotations

from typing import Any

import typer

__all__ = ["server"]


def _every(default: float, flag: str, help: str) -> Any:
    return typer.Option(
        default, flag, metavar="SECONDS", min=0.1, max=86400.0, help=f"{help}, in seconds."
    )


def server(
    host: str = typer.Option(
        "127.0.0.1", "--host", metavar="ADDRESS", help="The address to listen on."
    ),
    port: int = typer.Option(
        7420, "--port", metavar="PORT", min=1, max=65535, help="The port to listen on."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        metavar="N",
        min=1,
        max=64,
        help="Worker processes (safe on SQLite too: writes queue on its lock).",
    ),
    certfile: str | None = typer.Option(
        None, "--certfile", metavar="FILE", help="TLS certificate (PEM); with --keyfile."
    ),
    keyfile: str | None = typer.Option(
        None, "--keyfile", metavar="FILE", help="TLS private key (PEM); with --certfile."
    ),
    root_path: str = typer.Option(
        "",
        "--root-path",
        metavar="PATH",
        help="The path prefix a reverse proxy serves awsconn under (e.g. /awsconn).",
    ),
    threads: int = typer.Option(
        40,
        "--threads",
        metavar="N",
        min=1,
        max=1000,
        help="Requests each worker serves at once (the rest wait).",
    ),
    request_timeout: float = typer.Option(
        120.0,
        "--request-timeout",
        metavar="SECONDS",
        min=1.0,
        max=3600.0,
        help="The deadline of one request's work (a connection test waits up to it).",
    ),
    monitoring: bool = typer.Option(
        True,
        "--monitoring/--no-monitoring",
        envvar="AWSCONN_MONITORING",
        help="Test every connector on its schedule (default every 10 minutes).",
    ),
    monitor_every: float = _every(15.0, "--monitor-every", "How often to look for due tests"),
    reap_every: float = _every(
        5.0, "--reap-every", "How often to expire tasks and requeue lapsed leases"
    ),
    prune_every: float = _every(
        3600.0, "--prune-every", "How often to prune history older than AWSCONN_HISTORY_DAYS"
    ),
    alert_every: float = _every(
        5.0, "--alert-every", "How often to follow status changes (metrics, alert webhook)"
    ),
) -> None:
    """Serve the REST API. The first start makes an admin token (printed once, and written
    to $AWSCONN_HOME/admin-token, mode 0600) before it listens. In the background it
    expires and requeues tasks, tests connectors on their schedule, prunes history and,
    with AWSCONN_ALERT_WEBHOOK_URL set, POSTs status alerts."""
    from awsconn.api.serve import serve
    from awsconn.api.settings import ServerSettings

    serve(
        ServerSettings(
            host=host,
            port=port,
            workers=workers,
            root_path=root_path,
            certfile=certfile,
            keyfile=keyfile,
            threads=threads,
            request_timeout_s=request_timeout,
            monitoring=monitoring,
            monitor_every_s=monitor_every,
            reap_every_s=reap_every,
            prune_every_s=prune_every,
            alert_every_s=alert_every,
        )
    )
