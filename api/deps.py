"""FastAPI dependencies: the app's settings and its bounded database calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.db_calls import DatabaseCalls
from api.info_writer import InfoWriter
from core.settings import Settings


# Async on purpose: FastAPI runs a sync dependency on a worker thread, a hop per request.
async def get_database(request: Request) -> DatabaseCalls:
    database: DatabaseCalls = request.app.state.database
    return database


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def writer_of(request: Request) -> InfoWriter:
    """The app's InfoWriter. A plain call, not a dependency: the POST /info route skips
    dependency injection, whose cost per request bench/README.md measures."""
    writer: InfoWriter = request.app.state.writer
    return writer


# Each call commits before the route returns, so a 2xx means it is durable.
DatabaseDep = Annotated[DatabaseCalls, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
