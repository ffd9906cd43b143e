"""The one place that knows the schema revision this build requires, and how a database compares
(the lineage of revisions it does not know comes from migrator.history.table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from migrator.history.revision_graph import script_heads
from migrator.history.table import DEFAULT, VersionTable, descends_from, history_rows, lineage


class SchemaStatus(StrEnum):
    CURRENT = "current"
    # A revision this build does not know, which the history shows descending from this
    # build's head: a newer build migrated further along our line (a rollback, a canary).
    AHEAD = "ahead"
    # A revision this build does not know and cannot prove to descend from its head: a sibling
    # branch, a hand-made stamp, another project's schema. Never served.
    DIVERGED = "diverged"
    BEHIND = "behind"
    UNINITIALISED = "uninitialised"


@dataclass(frozen=True)
class Revisions:
    heads: tuple[str, ...]  # every head of the directory: independent branches each have one
    known: frozenset[str]

    @property
    def required(self) -> str:
        return ",".join(self.heads) or "base"


@dataclass(frozen=True)
class SchemaState:
    status: SchemaStatus
    database: tuple[str, ...]
    required: str  # this build's head(s), comma-separated
    history_name: str = "migrator_history"

    @property
    def revision(self) -> str:
        """Where the database is, as one word: its head(s), or "base"."""
        return ",".join(self.database) or "base"

    @property
    def ready(self) -> bool:
        return self.status in (SchemaStatus.CURRENT, SchemaStatus.AHEAD)

    def describe(self) -> str:
        at = ", ".join(self.database) or "none"
        described = (
            f"schema {self.status.value}: database at {at}, this build requires {self.required}"
        )
        if self.status is SchemaStatus.DIVERGED:
            described += (
                f" ({self.history_name} does not show {at} descending from {self.required}: "
                "deploy the build that owns it, or `migrate stamp`/`repair` after checking)"
            )
        return described


@lru_cache(maxsize=4)
def build_revisions(script_location: Path) -> Revisions:
    """Read the revision graph once; the required revisions are its heads."""
    return revisions_of(ScriptDirectory(str(script_location)))


def revisions_of(script: ScriptDirectory) -> Revisions:
    return Revisions(
        heads=script_heads(script),
        known=frozenset(rev.revision for rev in script.walk_revisions()),
    )


def schema_state(
    connection: Connection,
    scripts: Path | ScriptDirectory,
    where: VersionTable = DEFAULT,
) -> SchemaState:
    """How the database compares with the scripts (a directory, read once, or a
    ScriptDirectory the caller holds), its versions in `where`."""
    revisions = build_revisions(scripts) if isinstance(scripts, Path) else revisions_of(scripts)
    context = MigrationContext.configure(
        connection, opts={"version_table": where.name, "version_table_schema": where.schema}
    )
    heads = tuple(context.get_current_heads())
    status = _compare(connection, heads, revisions, where)
    return SchemaState(status, heads, revisions.required, where.history_name)


def _compare(
    connection: Connection, heads: tuple[str, ...], revisions: Revisions, where: VersionTable
) -> SchemaStatus:
    if not heads:
        return SchemaStatus.UNINITIALISED
    unknown = [head for head in heads if head not in revisions.known]
    if not unknown:
        # Every known revision is one of the build's heads or an ancestor of one.
        return SchemaStatus.CURRENT if set(revisions.heads) <= set(heads) else SchemaStatus.BEHIND
    # Read only here: the history costs nothing while the database is on known revisions. Each
    # unknown head must be proven to descend from one of this build's heads, and each of this
    # build's heads must be in the database or below a proven one; anything else may be a
    # sibling's schema, which no build of this line serves.
    parents = lineage(history_rows(connection, where))
    proven = {
        head: [required for required in revisions.heads if descends_from(head, required, parents)]
        for head in unknown
    }
    if not all(proven.values()):
        return SchemaStatus.DIVERGED
    covered = set(heads) | {required for found in proven.values() for required in found}
    return SchemaStatus.AHEAD if set(revisions.heads) <= covered else SchemaStatus.DIVERGED
