"""Prometheus metrics: request latency by route, connection tests run, connector statuses,
status changes and the alerts sent for them.

With several worker processes (``--workers N``) each worker writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (a private folder ``awsconn server`` makes and removes), and
``/metrics`` adds up every worker's, whichever worker answers the scrape. Connector
statuses are counted in the store at scrape time, so every worker reports the same.
Status changes and alerts are counted by the process that followed them (each change is
followed by one process of all replicas: sum the counters over instances).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE", "MULTIPROC_ENV", "Metrics"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _ConnectorStatuses(Collector):
    """``awsconn_connectors{status}``: stored connectors by their last test, read at scrape."""

    def __init__(self, count: Callable[[], Mapping[str, int]]) -> None:
        self._count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "awsconn_connectors",
            "Stored connectors by the status of their last connection test",
            labels=["status"],
        )
        counts = self._count()
        for status in ("SUCCESS", "FAILURE", "UNKNOWN"):
            family.add_metric([status], counts.get(status, 0))
        yield family


class Metrics:
    """The application's metrics; ``render()`` is the body of ``/metrics``."""

    def __init__(self, count_statuses: Callable[[], Mapping[str, int]]) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        # In multiprocess mode samples go to files; the registry is only this process's.
        own = None if self.multiprocess else CollectorRegistry()
        self._own = own
        self.requests = Histogram(
            "awsconn_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status",
            ["method", "route", "status"],
            buckets=_BUCKETS,
            registry=own,
        )
        self.tests = Counter(
            "awsconn_connection_tests",
            "Connection tests run through the API, by result (SUCCESS, FAILURE)",
            ["status"],
            registry=own,
        )
        self.status_changes = Counter(
            "awsconn_connector_status_changes",
            "Connector status changes, by the status before (NONE: its first) and after",
            ["from_status", "to_status"],
            registry=own,
        )
        self.alerts = Counter(
            "awsconn_status_alerts",
            "Status alerts POSTed to the webhook, by result (sent, failed: tried again later)",
            ["result"],
            registry=own,
        )
        self._statuses = _ConnectorStatuses(count_statuses)
        if own is not None:
            own.register(self._statuses)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).observe(seconds)

    def test_run(self, status: str) -> None:
        self.tests.labels(status).inc()

    def status_change(self, from_status: str | None, to_status: str) -> None:
        self.status_changes.labels(from_status or "NONE", to_status).inc()

    def alert(self, result: str) -> None:
        self.alerts.labels(result).inc()

    def render(self) -> bytes:
        if not self.multiprocess:
            assert self._own is not None
            return generate_latest(self._own)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(self._statuses)
        return generate_latest(registry)
