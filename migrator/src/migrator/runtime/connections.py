"""The runner's engines: one connection at a time (NullPool), bounded connects."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.pool import NullPool

from migrator.config.database import DatabaseSettings
from migrator.engines.base import DatabaseEngine, create_engine_or_refuse, engine_for


def create_runner_engine(settings: DatabaseSettings) -> tuple[Engine, DatabaseEngine]:
    """An engine for one-shot use, and the database engine its URL names."""
    url = settings.sqlalchemy_url
    database = engine_for(url)
    engine = create_engine_or_refuse(
        url, poolclass=NullPool, connect_args=database.connect_args(settings)
    )
    database.prepare(engine)
    return engine, database
