"""migrator_history: what the migrator did to this database, kept in the database itself.

One row per event, beside alembic_version. As Flyway's schema history table does, a failed row
blocks later upgrades until an operator says how it ended (`migrate repair`), and the rows'
down-revisions let a build prove that a revision it does not know descends from its own head.
This module holds the table and its reads (the API's readiness reads the lineage); the
migrator's writes live in migrator.history.recorder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError

from migrator.engines.errors import one_line
from migrator.errors import Unprotected

HISTORY_TABLE = "migrator_history"


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # SIGTERM/SIGINT: the statement was cancelled on the server
    UNKNOWN = "unknown"  # running, or its fate unknown: the server went silent, the runner died
    STAMPED = "stamped"
    REPAIRED = "repaired"
    ADOPTED = "adopted"  # found applied when the table was created


DEFAULT_VERSION_TABLE = "alembic_version"
NAME_MAX = 64  # MySQL's identifier limit


@dataclass(frozen=True)
class VersionTable:
    """Where a project keeps its version table (as its env.py configures it), and beside it the
    history of that project alone: two projects in one schema each have their own."""

    name: str = DEFAULT_VERSION_TABLE
    schema: str | None = None

    @property
    def history_name(self) -> str:
        if self.name == DEFAULT_VERSION_TABLE:
            return HISTORY_TABLE
        name = f"{HISTORY_TABLE}_{self.name}"
        if len(name) <= NAME_MAX:
            return name
        return f"{HISTORY_TABLE}_{hashlib.sha256(self.name.encode()).hexdigest()[:16]}"

    @property
    def history(self) -> Table:
        return history_table(self.history_name, self.schema)


DEFAULT = VersionTable()  # alembic_version and migrator_history, in the connection's schema


@lru_cache(maxsize=16)
def history_table(name: str, schema: str | None) -> Table:
    return Table(
        name,
        MetaData(),
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("revision", String(64), nullable=False),
        # Comma-separated; NULL where the revision's parents are not known (adopted from elsewhere).
        Column("down_revisions", String(255)),
        Column("description", String(255)),
        Column("checksum", String(64)),  # sha256 of the revision file, line endings normalised
        Column("outcome", String(16), nullable=False),
        Column("statements", Integer),  # of the revision's statements that completed; NULL: unknown
        Column("started_at", DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")),
        Column("finished_at", DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")),
        Column("duration_seconds", Float),
        Column("host", String(255)),
        Column("build_id", String(255)),
        Column("statement", String(1000)),  # the statement that failed or was running
        Column("message", String(1000)),  # the error's first line, or what a repair declared
        schema=schema,
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )


@dataclass(frozen=True)
class HistoryRow:
    id: int
    revision: str
    down_revisions: tuple[str, ...] | None
    description: str | None
    checksum: str | None
    outcome: Outcome
    statements: int | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_seconds: float | None
    host: str | None
    build_id: str | None
    statement: str | None
    message: str | None

    @property
    def needs_repair(self) -> bool:
        """A revision that may be half-applied: never run it again before an operator says how
        it ended. One that failed before any of its statements completed may simply be rerun."""
        if self.outcome is Outcome.UNKNOWN:
            return True
        return self.outcome in (Outcome.FAILED, Outcome.INTERRUPTED) and self.statements != 0


def has_history(connection: Connection, where: VersionTable = DEFAULT) -> bool:
    return inspect(connection).has_table(where.history_name, schema=where.schema)


def history_rows(connection: Connection, where: VersionTable = DEFAULT) -> list[HistoryRow]:
    """Every row, newest first; none where the table does not exist yet. A table that exists
    but cannot be read raises (migrator.errors.Unprotected): a guarantee that rests on the
    history never goes on believing there is none. Nothing here ends the caller's transaction
    (the API reads this on its own Session)."""
    if not has_history(connection, where):
        return []
    table = where.history
    try:
        rows = connection.execute(select(table).order_by(table.c.id.desc())).all()
    except DBAPIError as exc:
        raise Unprotected(
            f"cannot read {where.history_name}: {one_line(exc)}; the history guards against "
            "replaying a half-applied revision, so nothing runs without it (grant SELECT on it)"
        ) from None
    return [
        HistoryRow(
            id=row.id,
            revision=row.revision,
            down_revisions=tuple(row.down_revisions.split(","))
            if row.down_revisions is not None
            else None,
            description=row.description,
            checksum=row.checksum,
            outcome=Outcome(row.outcome),
            statements=row.statements,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_seconds=row.duration_seconds,
            host=row.host,
            build_id=row.build_id,
            statement=row.statement,
            message=row.message,
        )
        for row in rows
    ]


def latest_by_revision(rows: list[HistoryRow]) -> dict[str, HistoryRow]:
    """Each revision's newest row (rows newest first)."""
    latest: dict[str, HistoryRow] = {}
    for row in rows:
        latest.setdefault(row.revision, row)
    return latest


def lineage(rows: list[HistoryRow]) -> dict[str, tuple[str, ...]]:
    """revision -> its down-revisions, as recorded by whichever build applied it."""
    parents: dict[str, tuple[str, ...]] = {}
    for row in rows:
        if row.down_revisions is not None:
            parents.setdefault(row.revision, row.down_revisions)
    return parents


def descends_from(revision: str, ancestor: str, parents: dict[str, tuple[str, ...]]) -> bool:
    """Whether the recorded lineage leads from `revision` down to `ancestor`."""
    seen: set[str] = set()
    todo = [revision]
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(parent for parent in parents.get(current, ()) if parent)
    return False
