"""FastAPI dependencies: the engine held by the app, and one session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.info_writer import InfoWriter
from core.settings import Settings


# Async on purpose: FastAPI runs a sync dependency on a worker thread, a hop per request.
async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def writer_of(request: Request) -> InfoWriter:
    """The app's InfoWriter. A plain call, not a dependency: the POST /info route skips
    dependency injection, whose cost per request bench/README.md measures."""
    writer: InfoWriter = request.app.state.writer
    return writer


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    """Commit when the route returns, roll back when it raises."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


# scope="function": the commit runs before the response is sent, so a 2xx means it is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
