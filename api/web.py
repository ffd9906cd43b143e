"""The FastAPI application: wiring of routes, limits, metrics and error translation."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from api import metrics, problems, routes_health, routes_info
from api.db_calls import DatabaseCalls
from api.info_writer import InfoWriter
from core.db import create_db_engine
from core.db_errors import discard_pool_on_failover
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

# anyio's own thread pool (Starlette's run_in_threadpool) is not used for database work; capped
# so that nothing can grow the worker's threads past the bound README.md derives.
ANYIO_THREADS = 4
# At shutdown, the seconds database threads get to finish; one still blocked on a hung server
# after the requests were answered is a daemon and ends with the worker.
SHUTDOWN_WAIT = 1.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = ANYIO_THREADS
        engine = create_db_engine(settings)
        discard_pool_on_failover(engine)
        writer = InfoWriter(settings)
        if settings.metrics_enabled:
            metrics.track_pool(engine, "reads")
            metrics.track_pool(writer.engine, "writes")
        app.state.settings = settings
        # One thread per connection the pool can hand out: requests wait for a thread (within
        # their budget), never a thread for a connection, and no load adds threads.
        app.state.database = DatabaseCalls(
            engine,
            settings.db_pool_size + settings.db_pool_max_overflow,
            settings.db_request_timeout,
        )
        app.state.writer = writer
        log.info("database: %s", settings.describe_database())
        try:
            yield
        finally:
            writer.dispose(SHUTDOWN_WAIT)
            app.state.database.close(SHUTDOWN_WAIT)

    app = FastAPI(title="info-service", version="1.0.0", lifespan=lifespan)
    app.include_router(routes_info.router)
    app.include_router(routes_health.router)
    problems.install(app)
    if settings.metrics_enabled:
        app.add_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
        app.add_middleware(metrics.RequestMetrics)
    return app
