"""The ways into the runner, each an Alembic project built in a tmp dir with the revisions a
cell needs, and the URL forms that reach the same database.

Every way has a base revision `0001` (this repository's creates some_infos; the others create
base_t), and the cell's revisions on top of it, written as text files into versions/.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from harness.mysql_server import APP_PASSWORD, APP_USER, LocalServer, ThrowawayServer
from harness.postgres_server import PostgresServer
from harness.scripts import script_copy_with

SAMPLES = Path(__file__).parent.parent / "sample_projects"
BASE_REVISION = "0001"

# A minimal ini of the project's own: where its scripts are (the runner replaces any URL).
INI = """\
[alembic]
script_location = %(here)s/migrations
path_separator = os
"""


class Way(StrEnum):
    REPO = "repo"  # alembic/ of this repository: runs on the runner's connection
    STOCK = "stock"  # `alembic init`: engine_from_config, an engine of its own
    ASYNC = "async"  # `alembic init -t async`: an async engine of its own
    BUILTIN = "builtin"  # the stock project under MIGRATOR_ENV=builtin: env.py never runs


class UrlForm(StrEnum):
    TCP = "tcp"
    UNIX = "unix"
    MARIADB = "mariadb"
    AIOMYSQL = "aiomysql"
    PG_TCP = "pg-tcp"  # postgresql+psycopg://
    PG_UNIX = "pg-unix"
    PSYCOPG2 = "psycopg2"  # run through psycopg 3
    ASYNCPG = "asyncpg"

    @property
    def on_postgresql(self) -> bool:
        return self in (UrlForm.PG_TCP, UrlForm.PG_UNIX, UrlForm.PSYCOPG2, UrlForm.ASYNCPG)

    @property
    def is_async(self) -> bool:
        return self in (UrlForm.AIOMYSQL, UrlForm.ASYNCPG)


@dataclass(frozen=True)
class Pause:
    """time.sleep() inside upgrade(): the revision busy in Python, no statement in flight."""

    seconds: float


@dataclass(frozen=True)
class Python:
    """Lines of upgrade() as written (autocommit blocks, a commit of the revision's own)."""

    code: str


Step = str | Pause | Python  # a string is SQL for op.execute()


def _line(step: Step) -> str:
    if isinstance(step, str):
        return f"op.execute({step!r})"
    if isinstance(step, Pause):
        return f"time.sleep({step.seconds!r})"
    return step.code.strip("\n").replace("\n", "\n    ")


@dataclass(frozen=True)
class Revision:
    id: str
    down: str | tuple[str, ...] | None
    steps: tuple[Step, ...]
    doc: str = "a safety-matrix revision"

    def source(self) -> str:
        lines = [_line(step) for step in self.steps]
        body = "\n".join(f"    {line}" for line in lines) or "    pass"
        return (
            f'"""{self.doc}\n\nRevision ID: {self.id}\nRevises: {self.down}\n"""\n\n'
            "import time\n\nfrom alembic import op\n\n"
            f"revision = {self.id!r}\ndown_revision = {self.down!r}\n"
            "branch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade() -> None:\n{body}\n\n\n"
            "def downgrade() -> None:\n    pass\n"
        )


def after_base(revision_id: str, *steps: Step, down: str = BASE_REVISION) -> Revision:
    return Revision(revision_id, down, steps)


@dataclass(frozen=True)
class Project:
    way: Way
    script_location: Path
    ini: Path | None

    @property
    def settings(self) -> dict[str, Any]:
        """The runner's environment besides DATABASE_URL, as harness.migrator_process takes it."""
        settings: dict[str, Any] = {"alembic_script_location": self.script_location}
        if self.ini is not None:
            settings["migrator_alembic_ini"] = self.ini
        if self.way is Way.BUILTIN:
            settings["migrator_env"] = "builtin"
        return settings

    def add(self, *revisions: Revision) -> None:
        for revision in revisions:
            path = self.script_location / "versions" / f"{revision.id}_safety_matrix.py"
            path.write_text(revision.source(), encoding="utf-8")


def build_project(way: Way, tmp: Path, *revisions: Revision) -> Project:
    """The way's project in `tmp`, with its base revision and `revisions` after it."""
    if way is Way.REPO:
        project = Project(way, script_copy_with(tmp), None)
    else:
        sample = SAMPLES / ("async_template" if way is Way.ASYNC else "stock") / "migrations"
        scripts = tmp / "migrations"
        (scripts / "versions").mkdir(parents=True)
        for name in ("env.py", "script.py.mako"):  # verbatim, as `alembic init` wrote them
            shutil.copy(sample / name, scripts / name)
        ini = tmp / "alembic.ini"
        ini.write_text(INI, encoding="utf-8")
        project = Project(way, scripts, ini)
        project.add(Revision(BASE_REVISION, None, ("CREATE TABLE base_t (id INT PRIMARY KEY)",)))
    project.add(*revisions)
    return project


def url_for(form: UrlForm, server: ThrowawayServer | PostgresServer, database: str) -> str:
    tcp = server.url(database)
    if isinstance(server, PostgresServer):
        if form is UrlForm.PG_UNIX:
            return (
                f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@/{database}"
                f"?host={server.socket_dir}&port={server.port}"
            )
        if form is UrlForm.PSYCOPG2:
            return tcp.replace("postgresql+psycopg://", "postgresql+psycopg2://", 1)
        if form is UrlForm.ASYNCPG:
            return tcp.replace("postgresql+psycopg://", "postgresql+asyncpg://", 1)
        return tcp
    if form is UrlForm.UNIX:
        if not isinstance(server, LocalServer):
            raise TypeError(f"{type(server).__name__} has no local socket")
        return (
            f"mysql+pymysql://{APP_USER}:{APP_PASSWORD}@/{database}"
            f"?unix_socket={server.socket}&charset=utf8mb4"
        )
    if form is UrlForm.MARIADB:
        return tcp.replace("mysql+pymysql://", "mariadb+pymysql://", 1)
    if form is UrlForm.AIOMYSQL:
        return tcp.replace("mysql+pymysql://", "mysql+aiomysql://", 1)
    return tcp
