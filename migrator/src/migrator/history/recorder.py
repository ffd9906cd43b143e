"""The migrator's writes to migrator_history (the table and its reads: core/schema_history.py).

Before a revision runs, its row is committed as `unknown`; it becomes `applied` in the revision's
own transaction, beside the version table's update, or `failed`/`interrupted` once the error is
known. A runner that dies, or a server that goes silent, leaves `unknown` behind: the truth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, insert, update

from migrator.config.settings import RunnerSettings
from migrator.history.table import DEFAULT, Outcome, VersionTable, has_history

log = logging.getLogger(__name__)

TEXT_LIMIT = 1000


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def checksum(path: Path) -> str:
    """sha256 of the file with CRLF read as LF, so that a Windows checkout is the same file."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def down_revisions(script: Script) -> tuple[str, ...]:
    down = script.down_revision
    return (down,) if isinstance(down, str) else tuple(down or ())


def revision_facts(script: Script) -> dict[str, Any]:
    return {
        "revision": script.revision,
        "down_revisions": ",".join(down_revisions(script)),
        "description": (script.doc or "")[:255],
        "checksum": checksum(Path(script.path)),
    }


@dataclass(frozen=True)
class Recorder:
    """Who writes the rows (the host, a pod's name, and the build), and where: the history
    beside the project's version table."""

    host: str
    build_id: str | None
    where: VersionTable = DEFAULT

    @classmethod
    def from_settings(cls, settings: RunnerSettings, where: VersionTable) -> Recorder:
        return cls(
            host=(os.environ.get("HOSTNAME") or socket.gethostname())[:255],
            build_id=settings.migrator_build_id,
            where=where,
        )

    def started(self, connection: Connection, script: Script) -> int:
        """Commit the revision's row as `unknown` before any of its statements runs."""
        result = connection.execute(
            insert(self.where.history).values(
                **revision_facts(script),
                outcome=Outcome.UNKNOWN.value,
                started_at=now_utc(),
                host=self.host,
                build_id=self.build_id,
            )
        )
        connection.commit()
        (row_id,) = result.inserted_primary_key or (0,)
        return int(row_id)

    def finished(
        self,
        connection: Connection,
        row_id: int,
        outcome: Outcome,
        statements: int | None,
        *,
        statement: str | None = None,
        message: str | None = None,
    ) -> None:
        """Close the row; the caller's transaction commits it."""
        finished_at = now_utc()
        history = self.where.history
        started_at = connection.execute(
            history.select().with_only_columns(history.c.started_at).where(history.c.id == row_id)
        ).scalar_one()
        connection.execute(
            update(history)
            .where(history.c.id == row_id)
            .values(
                outcome=outcome.value,
                statements=statements,
                finished_at=finished_at,
                duration_seconds=(finished_at - started_at).total_seconds(),
                statement=(statement or None) and statement[:TEXT_LIMIT],
                message=(message or None) and message[:TEXT_LIMIT],
            )
        )

    def event(
        self, connection: Connection, facts: dict[str, Any], outcome: Outcome, message: str
    ) -> None:
        """A row for something that ran no revision (stamp, repair, adoption); not committed."""
        at = now_utc()
        connection.execute(
            insert(self.where.history).values(
                **facts,
                outcome=outcome.value,
                started_at=at,
                finished_at=at,
                duration_seconds=0.0,
                host=self.host,
                build_id=self.build_id,
                message=message[:TEXT_LIMIT],
            )
        )


def unknown_revision_facts(revision: str) -> dict[str, Any]:
    """A revision this build has no file for: its parents and checksum are not known."""
    return {"revision": revision, "down_revisions": None, "description": None, "checksum": None}


def ensure_history(connection: Connection, scripts: ScriptDirectory, recorder: Recorder) -> None:
    """Create the table on first use; a database migrated before it existed is adopted: each
    revision of its current line gets an `adopted` row, oldest first. No manual step."""
    where = recorder.where
    if has_history(connection, where):
        return
    where.history.create(connection)
    context = MigrationContext.configure(
        connection, opts={"version_table": where.name, "version_table_schema": where.schema}
    )
    heads = context.get_current_heads()
    adopted: list[dict[str, Any]] = []
    for head in heads:
        try:
            line = list(scripts.iterate_revisions(head, "base"))
        except CommandError:
            adopted.append(unknown_revision_facts(head))
            continue
        adopted += [revision_facts(script) for script in reversed(line)]
    for facts in adopted:
        recorder.event(connection, facts, Outcome.ADOPTED, "found applied when the history began")
    connection.commit()
    log.info(
        "created %s; adopted %d applied revision(s)",
        where.history_name,
        len(adopted),
        extra={"revision": ",".join(heads)},
    )
