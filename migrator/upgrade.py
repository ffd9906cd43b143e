"""Upgrade a locked connection to head, one logged revision at a time."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from core.db import is_sqlite
from core.db_errors import one_line
from core.schema_revision import SchemaState, SchemaStatus, schema_state
from core.settings import Settings
from migrator.alembic_config import alembic_config
from migrator.errors import MetadataLockTimeout, MigrationFailed

log = logging.getLogger(__name__)


def read_state(connection: Connection, settings: Settings) -> SchemaState:
    state = schema_state(connection, settings.alembic_script_location)
    # End the read's transaction so later reads see other sessions' commits (REPEATABLE READ).
    connection.rollback()
    return state


def pending_revisions(config: Config, state: SchemaState) -> list[str]:
    script = ScriptDirectory.from_config(config)
    lower = state.database[0] if state.database else "base"
    return [rev.revision for rev in reversed(list(script.iterate_revisions("heads", lower)))]


@dataclass(frozen=True)
class Upgraded:
    start: SchemaState
    end: SchemaState
    applied: list[str]

    def summary(self) -> str:
        return (
            f"{self.start.revision} -> {self.end.revision}, {len(self.applied)} revision(s) applied"
        )


def upgrade_to_head(connection: Connection, settings: Settings) -> Upgraded:
    """Apply every pending revision on `connection` (which holds the lock)."""
    state = read_state(connection, settings)
    if state.status is SchemaStatus.CURRENT:
        log.info("already at head", extra={"revision": state.required})
        return Upgraded(state, state, [])
    if state.status is SchemaStatus.AHEAD:
        log.warning(
            "database is ahead of this build; leaving it alone (%s)",
            state.describe(),
            extra={"revision": ",".join(state.database)},
        )
        return Upgraded(state, state, [])

    applied: list[str] = []
    clock = [time.monotonic()]

    def on_version_apply(*, step: Any, **_: Any) -> None:
        now = time.monotonic()
        applied.append(step.up_revision_id)
        log.info(
            "applied revision %s: %s",
            step.up_revision_id,
            step.up_revision.doc,
            extra={"revision": step.up_revision_id, "elapsed": round(now - clock[0], 3)},
        )
        clock[0] = now

    config = alembic_config(settings, connection)
    config.attributes["on_version_apply"] = [on_version_apply]
    pending = pending_revisions(config, state)
    log.info(
        "upgrading %s -> %s",
        state.revision,
        state.required,
        extra={"revision": state.required},
    )
    try:
        command.upgrade(config, "head")
    except Exception as exc:
        connection.rollback()
        failed = pending[len(applied)] if len(applied) < len(pending) else "unknown"
        last = applied[-1] if applied else state.revision
        if isinstance(exc, MetadataLockTimeout):
            raise MetadataLockTimeout(
                f"revision {failed}: {exc}; the version table stays at {last}"
            ) from None
        partial = (
            ""
            if is_sqlite(connection.engine.url)
            else f"; MySQL cannot roll DDL back, so statements of {failed} that ran before the "
            "error are applied: inspect the schema and fix the revision before rerunning"
        )
        raise MigrationFailed(
            f"revision {failed} failed: {one_line(exc)}; the version table stays at {last}{partial}"
        ) from exc

    final = read_state(connection, settings)
    if final.status is not SchemaStatus.CURRENT:
        raise MigrationFailed(f"upgrade finished but the {final.describe()}")
    return Upgraded(state, final, applied)
