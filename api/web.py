"""The FastAPI application: wiring of routes, limits and error translation."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.routing import Match

from api import routes_health, routes_info
from api.info_writer import InfoWriter
from api.limits import MAX_BODY_BYTES
from core.db import create_db_engine
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One worker thread per pooled connection: requests queue for a thread instead of
        # timing out while waiting for a connection.
        to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        app.state.settings = settings
        app.state.engine = create_db_engine(settings)
        app.state.writer = InfoWriter(settings)
        log.info("database: %s", settings.describe_database())
        try:
            yield
        finally:
            app.state.writer.dispose()
            app.state.engine.dispose()

    app = FastAPI(
        title="info-service", version="1.0.0", lifespan=lifespan, max_body_size=MAX_BODY_BYTES
    )
    app.include_router(routes_info.router)
    app.include_router(routes_health.router)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(405, _method_not_allowed)
    return app


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", str(exc).splitlines()[0])
    return JSONResponse(
        {"detail": "database unavailable"}, status_code=503, headers={"Retry-After": "1"}
    )


async def _method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
    # Starlette's Allow header names the methods of the first route on the path only; /info
    # has one route per method, so list them all, as RFC 9110 asks.
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed |= getattr(route, "methods", None) or set()
    return JSONResponse(
        {"detail": "Method Not Allowed"},
        status_code=405,
        headers={"Allow": ", ".join(sorted(allowed))},
    )
