"""`migrate history`: migrator_history as a table for people, or JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from migrator.history.table import HistoryRow

_COLUMNS = ("id", "revision", "outcome", "statements", "started_at", "duration", "host", "build")


def _json_row(row: HistoryRow) -> dict[str, Any]:
    data = asdict(row)
    data["outcome"] = row.outcome.value
    data["down_revisions"] = list(row.down_revisions) if row.down_revisions is not None else None
    for key in ("started_at", "finished_at"):
        value = data[key]
        data[key] = f"{value.isoformat()}Z" if value is not None else None
    return data


def _cells(row: HistoryRow) -> tuple[str, ...]:
    return (
        str(row.id),
        row.revision,
        row.outcome.value,
        "?" if row.statements is None else str(row.statements),
        f"{row.started_at:%Y-%m-%d %H:%M:%S}Z" if row.started_at else "",
        "" if row.duration_seconds is None else f"{row.duration_seconds:.2f}s",
        row.host or "",
        row.build_id or "",
    )


def format_history(rows: list[HistoryRow], *, as_json: bool) -> str:
    """Newest first, as the rows come."""
    if as_json:
        return json.dumps([_json_row(row) for row in rows], indent=2)
    if not rows:
        return "-- no history: this database has not been migrated by this migrator yet"
    table = [_COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(_COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(_COLUMNS)]
    for row in rows:
        lines.append(line(_cells(row)))
        if row.outcome.value != "applied":
            detail = " | ".join(part for part in (row.statement, row.message) if part)
            if detail:
                lines.append(f"    {detail}")
    return "\n".join(lines)
