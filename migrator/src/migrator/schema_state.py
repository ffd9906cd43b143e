"""The one place that knows the schema revision this build requires, and how a database compares
(the lineage of revisions it does not know comes from migrator.history_table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from migrator.history_table import HISTORY_TABLE, descends_from, history_rows, lineage


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
    required: str
    known: frozenset[str]


@dataclass(frozen=True)
class SchemaState:
    status: SchemaStatus
    database: tuple[str, ...]
    required: str

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
                f" ({HISTORY_TABLE} does not show {at} descending from {self.required}: "
                "deploy the build that owns it, or `migrate stamp`/`repair` after checking)"
            )
        return described


@lru_cache(maxsize=4)
def build_revisions(script_location: Path) -> Revisions:
    """Read the revision graph once; the required revision is its single head."""
    return revisions_of(ScriptDirectory(str(script_location)))


def revisions_of(script: ScriptDirectory) -> Revisions:
    return Revisions(
        required=script.get_current_head() or "base",
        known=frozenset(rev.revision for rev in script.walk_revisions()),
    )


def schema_state(
    connection: Connection,
    scripts: Path | ScriptDirectory,
    version_table: str = "alembic_version",
) -> SchemaState:
    """How the database compares with the scripts (a directory, read once, or a
    ScriptDirectory the caller holds)."""
    revisions = build_revisions(scripts) if isinstance(scripts, Path) else revisions_of(scripts)
    context = MigrationContext.configure(connection, opts={"version_table": version_table})
    heads = tuple(context.get_current_heads())
    if not heads:
        status = SchemaStatus.UNINITIALISED
    elif revisions.required in heads:
        status = SchemaStatus.CURRENT
    elif any(head not in revisions.known for head in heads):
        # Read only here: the history costs nothing while the database is on a known revision.
        parents = lineage(history_rows(connection))
        unknown = [head for head in heads if head not in revisions.known]
        proven = all(descends_from(head, revisions.required, parents) for head in unknown)
        status = SchemaStatus.AHEAD if proven else SchemaStatus.DIVERGED
    else:
        # Every known revision other than the single head is one of its ancestors.
        status = SchemaStatus.BEHIND
    return SchemaState(status=status, database=heads, required=revisions.required)
