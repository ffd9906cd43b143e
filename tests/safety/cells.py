"""A cell: one guarantee (and phase) x one way in x one URL form, and what its story is given to
work with. `grid()` lists every combination, the absent ones too: those are skipped, each with
the reason it cannot apply, never left out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.mysql_server import ThrowawayServer
from tests.safety.bulk import BulkSource
from tests.safety.checks import Findings
from tests.safety.projects import Project, Revision, UrlForm, Way, build_project, url_for
from tests.safety.servers import own_server

ASYNC_NEEDS_ASYNC = "the async template needs an async driver"
AIOMYSQL_NEEDS_ASYNC = (
    "an aiomysql URL goes only with the async template (the other ways make sync engines)"
)
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
    shared: ThrowawayServer
    findings: Findings
    bulk_source: Callable[[], BulkSource]
    cleanup: ExitStack

    def project(self, *revisions: Revision) -> Project:
        return build_project(self.cell.way, self.tmp / "project", *revisions)

    def url(self, server: ThrowawayServer, database: str) -> str:
        return url_for(self.cell.url_form, server, database)

    def fresh_database(self, server: ThrowawayServer) -> str:
        """A new database on `server`, dropped when the story ends (where nothing holds it)."""
        name = server.create_database()
        self.cleanup.callback(_drop, server, name)
        return name

    def own_server(self) -> AbstractContextManager[ThrowawayServer]:
        """A server no other cell uses, stopped when the story ends."""
        return own_server(self.tmp / "server")


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

    @property
    def id(self) -> str:
        parts = [self.phase] if self.phase else []
        return "-".join([*parts, self.way.value, self.url_form.value])

    def __str__(self) -> str:
        return f"{self.guarantee}[{self.id}]"

    def absence(self, server: ServerFacts) -> str | None:
        """Why this combination cannot apply, or None."""
        if self.way is Way.ASYNC and self.url_form is not UrlForm.AIOMYSQL:
            return ASYNC_NEEDS_ASYNC
        if self.url_form is UrlForm.AIOMYSQL and self.way is not Way.ASYNC:
            return AIOMYSQL_NEEDS_ASYNC
        if self.url_form is UrlForm.UNIX and not server.local_socket:
            return NO_LOCAL_SOCKET
        if self.url_form is UrlForm.MARIADB and not server.mariadb:
            return MARIADB_ON_MYSQL
        return None


def _drop(server: ThrowawayServer, database: str) -> None:
    """Best effort: a statement a killed runner left running may hold the schema a while."""
    with suppress(Exception):
        server.admin_sql("SET SESSION lock_wait_timeout = 5", f"DROP DATABASE `{database}`")


def grid(
    guarantee: str,
    story: Story,
    *,
    phase: str | None = None,
    cost: float = 10.0,
    bulk: bool = False,
) -> list[Any]:
    """Every way x every URL form, as pytest params with the cell's id."""
    cells = [
        Cell(guarantee, phase, way, form, story, cost, bulk) for way in Way for form in UrlForm
    ]
    return [pytest.param(cell, id=cell.id) for cell in cells]
