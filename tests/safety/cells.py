"""A cell: one guarantee (and phase) x one way in x one URL form (which names its engine: MySQL
or PostgreSQL), and what its story is given to work with. `grid()` lists every combination, the
absent ones too: those are skipped, each with the reason it cannot apply, never left out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.postgres_server import PostgresServer
from tests.safety.bulk import BulkSource
from tests.safety.checks import Findings
from tests.safety.engines import KITS, Engine, Kit, Server
from tests.safety.projects import Project, Revision, UrlForm, Way, build_project, url_for
from tests.safety.servers import own_server

ASYNC_NEEDS_ASYNC = "the async template needs an async driver"
AIOMYSQL_NEEDS_ASYNC = (
    "an async driver's URL goes only with the async template (the other ways make sync engines)"
)
REPO_ON_MYSQL = "this repository's env.py is the application's, which runs on MySQL"
NO_LOCAL_SOCKET = "the server has no local socket (a Docker container): no unix_socket URL"
MARIADB_ON_MYSQL = "SQLAlchemy's mariadb dialect refuses a MySQL server"


@dataclass(frozen=True)
class ServerFacts:
    mariadb: bool
    local_socket: bool


@dataclass
class CellContext:
    """What a cell's story runs with: its tmp dir, the shared server (a fresh database per cell),
    the big source table, and servers of its own for stories that freeze one."""

    cell: Cell
    tmp: Path
    shared: Server  # of the cell's engine
    findings: Findings
    bulk_source: Callable[[], BulkSource]
    cleanup: ExitStack

    @property
    def kit(self) -> Kit:
        return KITS[self.cell.engine]

    def project(self, *revisions: Revision) -> Project:
        return build_project(self.cell.way, self.tmp / "project", *revisions)

    def url(self, server: Server, database: str) -> str:
        return url_for(self.cell.url_form, server, database)

    def fresh_database(self, server: Server) -> str:
        """A new database on `server`, dropped when the story ends (where nothing holds it)."""
        name = server.create_database()
        self.cleanup.callback(_drop, server, name)
        return name

    def own_server(self) -> AbstractContextManager[Server]:
        """A server of the cell's engine no other cell uses, stopped when the story ends."""
        return own_server(self.cell.engine, self.tmp / "server")


Story = Callable[[CellContext], None]


@dataclass(frozen=True)
class Cell:
    guarantee: str
    phase: str | None
    way: Way
    url_form: UrlForm
    story: Story = field(compare=False, repr=False)
    cost: float = field(default=10.0, compare=False)  # seconds, roughly: longest starts first
    bulk: bool = field(default=False, compare=False)  # copies from the big source table
    # Why the guarantee cannot be shown on PostgreSQL (None: it can)
    not_on_postgresql: str | None = field(default=None, compare=False)

    @property
    def engine(self) -> Engine:
        return Engine.POSTGRESQL if self.url_form.on_postgresql else Engine.MYSQL

    @property
    def id(self) -> str:
        parts = [self.phase] if self.phase else []
        return "-".join([*parts, self.way.value, self.url_form.value])

    def __str__(self) -> str:
        return f"{self.guarantee}[{self.id}]"

    def absence(self, server: ServerFacts) -> str | None:
        """Why this combination cannot apply, or None (`server`: the facts of its engine's)."""
        if self.engine is Engine.POSTGRESQL and self.not_on_postgresql is not None:
            return self.not_on_postgresql
        if self.way is Way.ASYNC and not self.url_form.is_async:
            return ASYNC_NEEDS_ASYNC
        if self.url_form.is_async and self.way is not Way.ASYNC:
            return AIOMYSQL_NEEDS_ASYNC
        if self.way is Way.REPO and self.engine is Engine.POSTGRESQL:
            return REPO_ON_MYSQL
        if self.url_form is UrlForm.UNIX and not server.local_socket:
            return NO_LOCAL_SOCKET
        if self.url_form is UrlForm.MARIADB and not server.mariadb:
            return MARIADB_ON_MYSQL
        return None


def _drop(server: Server, database: str) -> None:
    """Best effort: a statement a killed runner left running may hold the schema a while."""
    with suppress(Exception):
        if isinstance(server, PostgresServer):
            server.drop_database(database)  # WITH (FORCE): its sessions are ended
        else:
            server.admin_sql("SET SESSION lock_wait_timeout = 5", f"DROP DATABASE `{database}`")


def grid(
    guarantee: str,
    story: Story,
    *,
    phase: str | None = None,
    cost: float = 10.0,
    bulk: bool = False,
    not_on_postgresql: str | None = None,
) -> list[Any]:
    """Every way x every URL form, as pytest params with the cell's id."""
    cells = [
        Cell(guarantee, phase, way, form, story, cost, bulk, not_on_postgresql)
        for way in Way
        for form in UrlForm
    ]
    return [pytest.param(cell, id=cell.id) for cell in cells]
