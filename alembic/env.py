"""Alembic environment: URL and metadata come from the application, never from alembic.ini."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from core.db import create_db_engine, is_sqlite
from core.models import Base
from core.settings import get_settings
from migrator.history.table import HISTORY_TABLE

config = context.config
target_metadata = Base.metadata

# The migrator hands in its locked connection and configures logging itself; Alembic's own CLI
# gets the ini file's logging, without silencing loggers that already exist (alembic#714).
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _include_name(name: str | None, type_: str, _parents: Any) -> bool:
    # The migrator's own history table, like alembic_version, is not the application's model.
    return not (type_ == "table" and name == HISTORY_TABLE)


def _common_options(url_is_sqlite: bool) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        # MySQL cannot roll DDL back; one transaction per revision at least keeps the version
        # table naming the last revision that fully succeeded.
        "transaction_per_migration": True,
        "render_as_batch": url_is_sqlite,
        "compare_type": True,
        "include_name": _include_name,
    }


def run_migrations_offline() -> None:
    url = get_settings().sqlalchemy_url
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_common_options(is_sqlite(url)),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection: Connection) -> None:
    context.configure(connection=connection, **_common_options(is_sqlite(connection.engine.url)))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # The migrator hands in its locked Connection; pytest-alembic hands in an Engine.
    connectable: Connection | Engine | None = config.attributes.get("connection")
    if isinstance(connectable, Connection):
        _run_with(connectable)
        return
    engine = connectable or create_db_engine(get_settings(), pooled=False)
    try:
        with engine.connect() as connection:
            _run_with(connection)
    finally:
        if connectable is None:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
