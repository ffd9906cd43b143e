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
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from migrator.db_errors import one_line
from migrator.environment import run_steps
from migrator.errors import (
    MetadataLockTimeout,
    MigrationFailed,
    SchemaDiverged,
    ServerSilent,
    Terminated,
)
from migrator.history import Recorder, down_revisions, ensure_history
from migrator.history_table import Outcome, history_rows, latest_by_revision
from migrator.project import alembic_config, script_directory, version_table
from migrator.schema_state import SchemaState, SchemaStatus, schema_state
from migrator.server_watch import ServerWatch
from migrator.settings import RunnerSettings
from migrator.signals import termination_requested
from migrator.statement_observer import StatementObserver, StopRequested
from migrator.upgrade_checks import changed_revisions, refuse_if_half_applied

log = logging.getLogger(__name__)

RUNBOOK = "see the README's runbook"


def read_state(connection: Connection, settings: RunnerSettings) -> SchemaState:
    state = schema_state(connection, script_directory(settings), version_table(settings))
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


def upgrade_to_head(connection: Connection, settings: RunnerSettings) -> UpgradeResult:
    """Apply every pending revision on `connection` (which holds the lock)."""
    config = alembic_config(settings, connection)
    scripts = script_directory(settings)
    recorder = Recorder.from_settings(settings)
    ensure_history(connection, scripts, recorder, version_table(settings))
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
    observer = StatementObserver()
    applied: list[str] = []
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
    settings: RunnerSettings,
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

    module: Any = script.module
    original_upgrade = module.upgrade
    module.upgrade = _observed(original_upgrade, observer, revision)

    def steps(current: Any, _context: Any) -> Any:
        return scripts._upgrade_revs(revision, current)

    watches: list[ServerWatch] = []
    with ExitStack() as stack:
        # The ScriptDirectory is cached per settings: a later run of this revision in the same
        # process wraps the original upgrade(), not this wrapper.
        stack.callback(setattr, module, "upgrade", original_upgrade)

        def on_connection(ddl: Connection) -> None:
            # The connection the revision runs on: the runner's, or the one env.py opened.
            stack.enter_context(observer.attached(ddl))
            watches.append(stack.enter_context(ServerWatch(settings, observer, ddl)))

        try:
            run_steps(
                settings,
                config,
                scripts,
                connection,
                steps,
                on_connection=on_connection,
                on_version_apply=[record_applied],
                destination_rev=revision,
            )
        except BaseException as exc:
            watch = watches[0] if watches else None
            raise _failed(connection, recorder, row_id, script, observer, watch, exc) from None
    log.info(
        "applied revision %s: %s",
        revision,
        script.doc,
        extra={"revision": revision, "elapsed": round(time.monotonic() - started, 3)},
    )


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
    watch: ServerWatch | None,
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
    stays = ",".join(down_revisions(script)) or "base"

    if watch is not None and watch.silent_for is not None:
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
