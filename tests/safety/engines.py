"""What a story needs to say in each engine's SQL, and the servers each engine's cells run on:
the matrix runs every guarantee on MySQL/MariaDB and on PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harness.mysql_server import ThrowawayServer
from harness.postgres_server import PostgresServer
from harness.servers import started_server
from tests.safety.projects import Python, Step

Server = ThrowawayServer | PostgresServer


class Engine(StrEnum):
    MYSQL = "mysql"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class Kit:
    engine: Engine

    def sleep(self, seconds: int) -> str:
        """A statement that runs `seconds` on the server, cancellable."""
        if self.engine is Engine.POSTGRESQL:
            return f"SELECT pg_sleep({seconds})"
        return f"DO SLEEP({seconds})"

    def committed(self, statement: str) -> Step:
        """`statement` as work that is committed the moment it completes: MySQL commits each
        DDL statement by itself; on PostgreSQL it runs in an autocommit block."""
        if self.engine is Engine.POSTGRESQL:
            return Python(
                f"with op.get_context().autocommit_block():\n    op.execute({statement!r})"
            )
        return statement

    @property
    def lock_wait_in_force(self) -> str:
        """The session's lock wait as the server states it, for a revision to store."""
        if self.engine is Engine.POSTGRESQL:
            return "current_setting('lock_timeout')"
        return "@@session.lock_wait_timeout"

    def lock_wait_stored(self, seconds: int) -> str:
        return f"{seconds}s" if self.engine is Engine.POSTGRESQL else str(seconds)


KITS = {engine: Kit(engine) for engine in Engine}


def start_server(engine: Engine, base_dir: Path) -> Server:
    """A started server with the `app` user, its data below `base_dir`."""
    if engine is Engine.POSTGRESQL:
        server = PostgresServer(base_dir / "postgres")
        server.start()
        server.create_app_user()
        return server
    return started_server(base_dir / "mysql")
