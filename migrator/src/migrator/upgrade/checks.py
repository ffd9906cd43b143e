"""What the history says before an upgrade starts: a half-applied revision to refuse on, and
applied revisions whose files changed since."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from migrator.errors import NeedsRepair
from migrator.history.recorder import checksum
from migrator.history.table import HistoryRow, Outcome

# Outcomes whose checksum is the file that was (or is taken as) applied.
_APPLIED = (Outcome.APPLIED, Outcome.ADOPTED, Outcome.STAMPED, Outcome.REPAIRED)


def refuse_if_half_applied(latest: dict[str, HistoryRow]) -> None:
    """Raise NeedsRepair naming the first revision whose newest row needs a repair."""
    broken = sorted((row for row in latest.values() if row.needs_repair), key=lambda r: r.id)
    if not broken:
        return
    row = broken[0]
    when = f"{row.started_at:%Y-%m-%d %H:%M:%S} UTC" if row.started_at else "at an unknown time"
    ran = "an unknown number of" if row.statements is None else str(row.statements)
    failing = f", at {row.statement!r}" if row.statement else ""
    error = f" ({row.message})" if row.message else ""
    raise NeedsRepair(
        f"revision {row.revision} is {row.outcome.value} since {when} on {row.host or '?'} "
        f"(build {row.build_id or '?'}): {ran} statement(s) had completed{failing}{error}. "
        "Nothing runs until it is repaired: finish or undo it by hand, then `migrate repair "
        f"{row.revision} --applied` or `--rolled-back` (see the README's runbook)"
    )


def changed_revisions(scripts: ScriptDirectory, rows: list[HistoryRow]) -> list[str]:
    """One line per applied revision whose file now has another checksum."""
    recorded: dict[str, str] = {}
    for row in rows:  # newest first: the newest applied checksum counts
        if row.outcome in _APPLIED and row.checksum is not None:
            recorded.setdefault(row.revision, row.checksum)
    changed = []
    for revision, applied_checksum in sorted(recorded.items()):
        try:
            script = scripts.get_revision(revision)
        except CommandError:
            continue  # not this build's revision
        if script is None:
            continue
        if checksum(Path(script.path)) != applied_checksum:
            changed.append(
                f"revision {revision}'s file ({Path(script.path).name}) changed since it was "
                "applied: the database ran the earlier version"
            )
    return changed
