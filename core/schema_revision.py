"""The one place that knows the schema revision this build requires, and how a database compares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection


class SchemaStatus(StrEnum):
    CURRENT = "current"
    AHEAD = "ahead"  # a newer revision this build does not know: a forward-compatible rollout
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
        return f"schema {self.status.value}: database at {at}, this build requires {self.required}"


@lru_cache(maxsize=4)
def build_revisions(script_location: Path) -> Revisions:
    """Read the revision graph once; the required revision is its single head."""
    script = ScriptDirectory(str(script_location))
    return Revisions(
        required=script.get_current_head() or "base",
        known=frozenset(rev.revision for rev in script.walk_revisions()),
    )


def schema_state(connection: Connection, script_location: Path) -> SchemaState:
    revisions = build_revisions(script_location)
    heads = tuple(MigrationContext.configure(connection).get_current_heads())
    if not heads:
        status = SchemaStatus.UNINITIALISED
    elif revisions.required in heads:
        status = SchemaStatus.CURRENT
    elif any(head not in revisions.known for head in heads):
        status = SchemaStatus.AHEAD
    else:
        # Every known revision other than the single head is one of its ancestors.
        status = SchemaStatus.BEHIND
    return SchemaState(status=status, database=heads, required=revisions.required)
