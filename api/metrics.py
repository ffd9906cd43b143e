"""Prometheus metrics, counted across every gunicorn worker.

prometheus-client's multiprocess mode: each worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets up a fresh one and marks dead workers), and
GET /metrics sums them. Without that variable (tests, `uvicorn` alone) the values are the
process's own. Labels name the route template (`/info/{info_id}`), never the raw path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "route", "status"])
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from request to answer",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_ERRORS = Counter(
    "db_errors_total",
    "Requests answered 503 because of the database, by kind",
    ["kind"],
)
WRITERS_BUSY = Gauge(
    "info_writer_threads_busy", "POST /info writer threads running an insert",
    multiprocess_mode="livesum",
)  # fmt: skip
WRITER_QUEUE = Gauge(
    "info_writer_queue_depth", "POST /info requests waiting for a free writer thread",
    multiprocess_mode="livesum",
)  # fmt: skip
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use", "Pooled database connections checked out", ["pool"],
    multiprocess_mode="livesum",
)  # fmt: skip


def count_db_error(kind: str) -> None:
    DB_ERRORS.labels(kind).inc()


@contextmanager
def tracked(gauge: Gauge) -> Iterator[None]:
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def track_pool(engine: Engine, name: str) -> None:
    in_use = POOL_IN_USE.labels(name)
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


async def metrics_endpoint(_request: Request) -> Response:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """ASGI middleware: count and time each HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", UNMATCHED)
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            counter, histogram = self._child(method, template, status)
            counter.inc()
            histogram.observe(time.perf_counter() - started)

    def _child(self, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
        # .labels() costs a lock and a dict look-up per call; the label sets are few.
        key = (method, route, str(status))
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = (REQUESTS.labels(*key), DURATION.labels(*key))
        return child
