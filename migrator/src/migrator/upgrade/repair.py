"""Writing down what an operator did by hand: a stamp, or how a half-applied revision ended."""

from __future__ import annotations

from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from migrator.config.settings import RunnerSettings
from migrator.errors import ConfigurationError
from migrator.history.recorder import Recorder, revision_facts, unknown_revision_facts
from migrator.history.table import Outcome, history_rows, latest_by_revision
from migrator.project.operations import stamp_to


def _facts(scripts: ScriptDirectory, revision: str) -> dict[str, Any] | None:
    try:
        script = scripts.get_revision(revision)
    except CommandError:
        return None
    return revision_facts(script) if script is not None else None


def record_stamp(
    connection: Connection,
    scripts: ScriptDirectory,
    recorder: Recorder,
    revision: str,
    before: str,
) -> None:
    facts = _facts(scripts, revision) if revision != "base" else None
    if facts is None:
        facts = unknown_revision_facts(revision)
    recorder.event(connection, facts, Outcome.STAMPED, f"stamped by hand from {before}, no DDL")


def repair_revision(
    connection: Connection,
    settings: RunnerSettings,
    scripts: ScriptDirectory,
    recorder: Recorder,
    revision: str,
    applied: bool,
) -> str:
    """Record the repair (and, for --applied, stamp the revision); the caller commits."""
    row = latest_by_revision(history_rows(connection, recorder.where)).get(revision)
    connection.rollback()
    if row is None or not row.needs_repair:
        last = f"its last record is {row.outcome.value}" if row else "it has no record"
        raise ConfigurationError(
            f"nothing to repair for {revision}: {last} in migrator_history (`migrate history`)"
        )
    facts = _facts(scripts, revision)
    if applied:
        if facts is None:
            raise ConfigurationError(
                f"repair {revision} --applied needs a build that has {revision}'s file "
                "(it stamps it); this one does not"
            )
        stamp_to(settings, connection, revision)
        recorder.event(connection, facts, Outcome.REPAIRED, "finished by hand; stamped as applied")
        return "marked applied (stamped)"
    rolled_back = {**(facts or unknown_revision_facts(revision)), "checksum": None}
    recorder.event(
        connection,
        rolled_back,
        Outcome.REPAIRED,
        "undone by hand; the next upgrade runs it again",
    )
    return "marked rolled back (the next upgrade runs it again)"
