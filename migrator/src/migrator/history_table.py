"""migrator_history: what the migrator did to this database, kept in the database itself.

One row per event, beside alembic_version. As Flyway's schema history table does, a failed row
blocks later upgrades until an operator says how it ended (`migrate repair`), and the rows'
down-revisions let a build prove that a revision it does not know descends from its own head.
This module holds the table and its reads (the API's readiness reads the lineage); the
migrator's writes live in migrator.history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

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

HISTORY_TABLE = "migrator_history"


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # SIGTERM/SIGINT: the statement was cancelled on the server
    UNKNOWN = "unknown"  # running, or its fate unknown: the server went silent, the runner died
    STAMPED = "stamped"
    REPAIRED = "repaired"
    ADOPTED = "adopted"  # found applied when the table was created


metadata = MetaData()
history = Table(
    HISTORY_TABLE,
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("revision", String(64), nullable=False),
    # Comma-separated; NULL where the revision's parents are not known (adopted from elsewhere).
    Column("down_revisions", String(255)),
    Column("description", String(255)),
    Column("checksum", String(64)),  # sha256 of the revision file, line endings normalised
    Column("outcome", String(16), nullable=False),
    Column("statements", Integer),  # of the revision's statements that completed; NULL: unknown
    Column("started_at", DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")),
    Column("finished_at", DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")),
    Column("duration_seconds", Float),
    Column("host", String(255)),
    Column("build_id", String(255)),
    Column("statement", String(1000)),  # the statement that failed or was running
    Column("message", String(1000)),  # the error's first line, or what a repair declared
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


def has_history(connection: Connection) -> bool:
    return inspect(connection).has_table(HISTORY_TABLE)


def history_rows(connection: Connection) -> list[HistoryRow]:
    """Every row, newest first; none where the table does not exist (or cannot be read)."""
    try:
        rows = connection.execute(select(history).order_by(history.c.id.desc())).all()
    except DBAPIError:
        # Missing, or no SELECT on it: nothing is known, and nothing can be proven from it.
        connection.rollback()
        return []
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
