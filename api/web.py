"""The FastAPI application: wiring of routes, limits, metrics and error translation."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import metrics, problems, routes_health, routes_info
from api.db_calls import DatabaseCalls
from api.info_writer import InfoWriter
from core.db import create_db_engine
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(settings)
        writer = InfoWriter(settings)
        if settings.metrics_enabled:
            metrics.track_pool(engine, "reads")
            metrics.track_pool(writer.engine, "writes")
        app.state.settings = settings
        # One thread per pooled connection: requests wait for a thread (within their budget)
        # instead of timing out while waiting for a connection.
        app.state.database = DatabaseCalls(
            engine, settings.db_pool_size, settings.db_request_timeout
        )
        app.state.writer = writer
        log.info("database: %s", settings.describe_database())
        try:
            yield
        finally:
            writer.dispose()
            engine.dispose()

    app = FastAPI(title="info-service", version="1.0.0", lifespan=lifespan)
    app.include_router(routes_info.router)
    app.include_router(routes_health.router)
    problems.install(app)
    if settings.metrics_enabled:
        app.add_route("/metrics", metrics.metrics_endpoint, include_in_schema=False)
        app.add_middleware(metrics.RequestMetrics)
    return app
