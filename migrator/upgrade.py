"""Upgrade a locked connection to head, one recorded revision at a time.

Each revision runs through Alembic's documented EnvironmentContext(fn=...) on the locked
connection, with its row in migrator_history written before it starts. A revision that fails
after some of its statements completed (MySQL commits each DDL statement by itself) is recorded
as failed halfway, and no later run starts anything until `migrate repair` says how it ended.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from core.db_errors import one_line
from core.schema_history import Outcome, history_rows, latest_by_revision
from core.schema_revision import SchemaState, SchemaStatus, schema_state
from core.settings import Settings
from migrator.alembic_config import alembic_config
from migrator.errors import (
    MetadataLockTimeout,
    MigrationFailed,
    SchemaDiverged,
    ServerSilent,
    Terminated,
)
from migrator.history import Recorder, ensure_history
from migrator.server_watch import ServerWatch
from migrator.signals import termination_requested
from migrator.statement_observer import StatementObserver, StopRequested
from migrator.upgrade_checks import changed_revisions, refuse_if_half_applied

log = logging.getLogger(__name__)

RUNBOOK = "see the README's runbook"


def read_state(connection: Connection, settings: Settings) -> SchemaState:
    state = schema_state(connection, settings.alembic_script_location)
    # End the read's transaction so later reads see other sessions' commits (REPEATABLE READ).
    connection.rollback()
    return state


@dataclass(frozen=True)
class UpgradeResult:
    start: SchemaState
    end: SchemaState
    applied: list[str]

    def summary(self) -> str:
        return (
            f"{self.start.revision} -> {self.end.revision}, {len(self.applied)} revision(s) applied"
        )


def upgrade_to_head(connection: Connection, settings: Settings) -> UpgradeResult:
    """Apply every pending revision on `connection` (which holds the lock)."""
    config = alembic_config(settings, connection)
    scripts = ScriptDirectory.from_config(config)
    recorder = Recorder.from_settings(settings)
    ensure_history(connection, scripts, recorder)
    rows = history_rows(connection)
    connection.rollback()
    refuse_if_half_applied(latest_by_revision(rows))
    for warning in changed_revisions(scripts, rows):
        log.warning("%s", warning)

    state = read_state(connection, settings)
    if state.status is SchemaStatus.CURRENT:
        log.info("already at head", extra={"revision": state.required})
        return UpgradeResult(state, state, [])
    if state.status is SchemaStatus.AHEAD:
        log.warning(
            "database is ahead of this build; leaving it alone (%s)",
            state.describe(),
            extra={"revision": ",".join(state.database)},
        )
        return UpgradeResult(state, state, [])
    if state.status is SchemaStatus.DIVERGED:
        raise SchemaDiverged(state.describe())

    lower = state.database[0] if state.database else "base"
    pending = list(reversed(list(scripts.iterate_revisions("heads", lower))))
    log.info(
        "upgrading %s -> %s", state.revision, state.required, extra={"revision": state.required}
    )
    observer = StatementObserver(connection)
    applied: list[str] = []
    with observer.attached():
        for script in pending:
            signum = termination_requested()
            if signum is not None:
                raise Terminated(signum, f"before revision {script.revision}; nothing of it ran")
            _apply(connection, settings, config, scripts, script, recorder, observer)
            applied.append(script.revision)

    final = read_state(connection, settings)
    if final.status is not SchemaStatus.CURRENT:
        raise MigrationFailed(f"upgrade finished but the {final.describe()}")
    return UpgradeResult(state, final, applied)


def _apply(
    connection: Connection,
    settings: Settings,
    config: Any,
    scripts: ScriptDirectory,
    script: Script,
    recorder: Recorder,
    observer: StatementObserver,
) -> None:
    revision = script.revision
    row_id = recorder.started(connection, script)
    started = time.monotonic()

    def record_applied(*, ctx: Any, **_: Any) -> None:
        # Inside the revision's transaction, beside the version table's update.
        recorder.finished(ctx.connection, row_id, Outcome.APPLIED, observer.completed)

    config.attributes["on_version_apply"] = [record_applied]
    module: Any = script.module
    module.upgrade = _observed(module.upgrade, observer, revision)
    watch = ServerWatch(settings, observer, connection)
    try:
        with watch:
            _run_alembic(config, scripts, revision)
    except BaseException as exc:
        raise _failed(connection, recorder, row_id, script, observer, watch, exc) from None
    log.info(
        "applied revision %s: %s",
        revision,
        script.doc,
        extra={"revision": revision, "elapsed": round(time.monotonic() - started, 3)},
    )


def _run_alembic(config: Any, scripts: ScriptDirectory, revision: str) -> None:
    """What `alembic upgrade <revision>` does, on a ScriptDirectory we hold (so that the
    revision's observed upgrade() is the one that runs), as pytest-alembic drives env.py."""

    def steps(current: Any, _context: Any) -> Any:
        return scripts._upgrade_revs(revision, current)

    with EnvironmentContext(config, scripts, fn=steps, destination_rev=revision):
        scripts.run_env()


def _observed(upgrade: Callable[..., Any], observer: StatementObserver, revision: str) -> Any:
    def observed_upgrade(*args: Any, **kwargs: Any) -> Any:
        with observer.revision_running(revision):
            return upgrade(*args, **kwargs)

    return observed_upgrade


def _failed(
    connection: Connection,
    recorder: Recorder,
    row_id: int,
    script: Script,
    observer: StatementObserver,
    watch: ServerWatch,
    exc: BaseException,
) -> BaseException:
    """Record how the revision ended and return the error that ends the run."""
    revision = script.revision
    ran = observer.completed
    halfway = ran > 0
    statement = observer.last_statement or ""
    if halfway:
        repair = (
            f"; {ran} of its statement(s) committed (MySQL cannot roll DDL back), so no upgrade "
            f"runs until `migrate repair {revision} --applied|--rolled-back` ({RUNBOOK})"
        )
    else:
        repair = "; none of its statements had completed, so a rerun starts it afresh"
    where = f"revision {revision}"
    down = script.down_revision
    stays = ",".join((down,) if isinstance(down, str) else (down or ())) or "base"

    if watch.silent_for is not None:
        # The server is silent: the row stays `unknown`, which is what is known.
        return ServerSilent(
            f"{where}: the server answered nothing for {watch.silent_for:.0f} s while "
            f"{statement!r} ran; it may still complete on the server. migrator_history keeps "
            f"{revision} `unknown`: check the schema once the server answers, then `migrate "
            f"repair {revision} --applied|--rolled-back` ({RUNBOOK})"
        )
    signum = termination_requested()
    if isinstance(exc, StopRequested | Terminated) or signum is not None:
        signum = signum or int(getattr(exc, "signum", signal.SIGTERM))
        _record(connection, recorder, row_id, Outcome.INTERRUPTED, ran, statement, "interrupted")
        return Terminated(signum, f"during {where} ({statement!r} cancelled){repair}")
    _record(connection, recorder, row_id, Outcome.FAILED, ran, statement, one_line(exc))
    if isinstance(exc, MetadataLockTimeout):
        then = repair if halfway else "; end the blocking transaction, then rerun"
        return MetadataLockTimeout(f"{where}: {exc}; the version table stays at {stays}{then}")
    return MigrationFailed(
        f"{where} failed: {one_line(exc)}; the version table stays at {stays}{repair}"
    )


def _record(
    connection: Connection,
    recorder: Recorder,
    row_id: int,
    outcome: Outcome,
    statements: int,
    statement: str,
    message: str,
) -> None:
    try:
        connection.rollback()
        recorder.finished(
            connection, row_id, outcome, statements, statement=statement, message=message
        )
        connection.commit()
    except Exception as exc:
        log.error("could not record %s in migrator_history: %s", outcome.value, one_line(exc))
