"""The project's revision graph as Alembic walks it: its heads, and what an upgrade runs.

Alembic's own `upgrade heads` step list, one script at a time: a merge brings in the branch it
merges even where that branch is older than the database's heads, and `depends_on` revisions
come with their dependents. Every script Alembic would run is one the runner observes, records
and lints as a revision of its own.
"""

from __future__ import annotations

from alembic.script import Script, ScriptDirectory


def script_heads(scripts: ScriptDirectory) -> tuple[str, ...]:
    """The directory's heads, sorted (several where independent branches have their own)."""
    return tuple(sorted(scripts.get_heads()))


def pending_scripts(scripts: ScriptDirectory, database_heads: tuple[str, ...]) -> list[Script]:
    """Oldest first: every script `alembic upgrade heads` runs from `database_heads`."""
    lower: str | tuple[str, ...] = database_heads or "base"
    walked = scripts.iterate_revisions("heads", lower, implicit_base=True)
    return [script for script in reversed(list(walked)) if isinstance(script, Script)]
