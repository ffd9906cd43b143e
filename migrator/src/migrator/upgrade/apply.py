"""Upgrade a locked connection to head, one recorded revision at a time.

Each script Alembic's `upgrade heads` would run (migrator.history.revision_graph: a merged older
branch and `depends_on` revisions included) runs as a step of its own through Alembic's documented
EnvironmentContext(fn=...), with its row in the history written before it starts. A revision
that fails after some of its statements were committed (MySQL commits each DDL statement by
itself; PostgreSQL those in an autocommit block) is recorded as failed halfway, and no later run
starts anything until `migrate repair` says how it ended. What the runner cannot confirm (a
silent server, a cancel not confirmed) stays `unknown`. On an engine with transactional DDL a
revision whose lock wait timed out before anything of it was committed rolled back whole, and
is run again within MIGRATOR_DDL_RETRY_BUDGET.

After each revision its version row is read back on a fresh connection: a revision that
committed Alembic's transaction itself (`op.get_bind().commit()`) can leave its version row to
be rolled back at close while Alembic logs success; that is caught here, never reported applied.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from alembic.runtime.migration import MigrationStep
from alembic.script import Script
from sqlalchemy import Connection, column, select, table
from sqlalchemy.exc import DBAPIError
from tenacity import Retrying, retry_if_exception, stop_before_delay, wait_exponential_jitter

from migrator.config.settings import RunnerSettings
from migrator.engines.errors import one_line
from migrator.errors import (
    MetadataLockTimeout,
    MigrationFailed,
    MigratorError,
    RevisionLockTimeout,
    SchemaDiverged,
    ServerSilent,
    Terminated,
    Unprotected,
)
from migrator.history.recorder import Recorder, down_revisions, ensure_history
from migrator.history.revision_graph import pending_scripts
from migrator.history.schema_state import SchemaState, SchemaStatus, schema_state
from migrator.history.table import Outcome, history_rows, latest_by_revision
from migrator.project.environment import resolve_project, run_steps
from migrator.project.scripts import Project, alembic_config
from migrator.runtime.connections import create_runner_engine
from migrator.runtime.server_watch import Cancel
from migrator.runtime.session import LockedRun
from migrator.runtime.statement_observer import StatementObserver, StopRequested
from migrator.signals import sleep_unless_terminated, termination_requested
from migrator.upgrade.checks import changed_revisions, refuse_if_half_applied

log = logging.getLogger(__name__)

RUNBOOK = "see the README's runbook"


def read_state(connection: Connection, project: Project) -> SchemaState:
    state = schema_state(connection, project.scripts, project.where)
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


def upgrade_to_head(run: LockedRun, settings: RunnerSettings) -> UpgradeResult:
    """Apply every pending revision; `run` holds the lock."""
    connection = run.connection
    project = resolve_project(settings, connection)
    recorder = Recorder.from_settings(settings, project.where)
    ensure_history(connection, project.scripts, recorder)
    rows = history_rows(connection, project.where)
    connection.rollback()
    refuse_if_half_applied(latest_by_revision(rows))
    for warning in changed_revisions(project.scripts, rows):
        log.warning("%s", warning)

    state = read_state(connection, project)
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

    pending = pending_scripts(project.scripts, state.database)
    log.info(
        "upgrading %s -> %s", state.revision, state.required, extra={"revision": state.required}
    )
    applied: list[str] = []
    for script in pending:
        signum = termination_requested()
        if signum is not None:
            raise Terminated(signum, f"before revision {script.revision}; nothing of it ran")
        _apply(run, settings, project, script, recorder)
        applied.append(script.revision)

    final = read_state(connection, project)
    if final.status is not SchemaStatus.CURRENT:
        raise MigrationFailed(f"upgrade finished but the {final.describe()}")
    return UpgradeResult(state, final, applied)


def _apply(
    run: LockedRun,
    settings: RunnerSettings,
    project: Project,
    script: Script,
    recorder: Recorder,
) -> None:
    connection = run.connection
    observer = run.guard.observer
    revision = script.revision
    row_id = _start(run, recorder, script, project)
    started = time.monotonic()

    def record_applied(*, ctx: Any, **_: Any) -> None:
        # Inside the revision's transaction, beside the version table's update: a revision
        # whose statement was cancelled is never recorded applied, whatever the statement
        # returned (the transaction, version row included, rolls back).
        signum = termination_requested()
        if signum is not None:
            raise StopRequested(signum)
        recorder.finished(ctx.connection, row_id, Outcome.APPLIED, observer.completed)

    module: Any = script.module
    original_upgrade = module.upgrade
    module.upgrade = _observed(original_upgrade, observer, revision)
    step = MigrationStep.upgrade_from_script(project.scripts.revision_map, script)

    def steps(_current: Any, _context: Any) -> Any:
        return [step]

    def run_once() -> None:
        run_steps(
            settings,
            alembic_config(settings, connection),
            project.scripts,
            connection,
            steps,
            on_version_apply=[record_applied],
            destination_rev=revision,
        )

    with ExitStack() as stack:
        # The ScriptDirectory is cached per settings: a later run of this revision in the same
        # process wraps the original upgrade(), not this wrapper.
        stack.callback(setattr, module, "upgrade", original_upgrade)
        try:
            _retrying_whole(run, settings, revision)(run_once)
            _read_back(settings, project, script)
        except BaseException as exc:
            raise _failed(run, recorder, row_id, script, observer, exc) from None
    log.info(
        "applied revision %s: %s",
        revision,
        script.doc,
        extra={"revision": revision, "elapsed": round(time.monotonic() - started, 3)},
    )


def _retrying_whole(run: LockedRun, settings: RunnerSettings, revision: str) -> Retrying:
    """A revision whose lock wait timed out inside its transaction rolled back whole (its
    engine's DDL is transactional): run it again, with backoff, within the retry budget, as
    long as nothing of it was committed (an autocommit block, a commit of its own)."""
    observer = run.guard.observer

    def may_retry(exc: BaseException) -> bool:
        return (
            isinstance(exc, RevisionLockTimeout)
            and run.engine.ddl_is_transactional
            and observer.committed == 0
            and termination_requested() is None
        )

    def logged(state: Any) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "revision %s rolled back whole: %s; it runs again",
            revision,
            error,
            extra={"attempt": state.attempt_number, "revision": revision},
        )

    return Retrying(
        stop=stop_before_delay(settings.migrator_ddl_retry_budget),
        wait=wait_exponential_jitter(multiplier=0.5, max=5.0, jitter=0.5),
        retry=retry_if_exception(may_retry),
        before_sleep=logged,
        sleep=sleep_unless_terminated,
        reraise=True,
    )


def _read_back(settings: RunnerSettings, project: Project, script: Script) -> None:
    """The revision's version row, as a new session sees it once the revision is done."""
    engine, database = create_runner_engine(settings)
    if not database.has_server:
        engine.dispose()
        return
    where = project.where
    version_table = table(where.name, column("version_num"), schema=where.schema)
    try:
        with engine.connect() as fresh:
            versions = set(fresh.execute(select(version_table.c.version_num)).scalars())
    finally:
        engine.dispose()
    if script.revision not in versions:
        raise VersionRowLost(
            f"its version row is not in {where.name} once it finished (a new session sees "
            f"{', '.join(sorted(versions)) or 'none'}): the revision committed Alembic's "
            "transaction itself (connection.commit(), op.get_bind().commit()), and what came "
            "after that commit was rolled back at close while Alembic logged it as run"
        )


class VersionRowLost(MigratorError):
    """A revision's version row was lost after Alembic ran it: what it committed itself stays."""


def _start(run: LockedRun, recorder: Recorder, script: Script, project: Project) -> int:
    """Commit the revision's `unknown` row, then make sure the lock is still this session's:
    a runner whose session was dropped (wait_timeout, a proxy's idle limit) while env.py's
    worked has lost it, and another runner may hold it now."""
    lost = (
        f"the migration lock {run.lock!r} was lost (the runner's session was dropped: "
        f"wait_timeout, or a proxy's idle limit) before revision {script.revision} started; "
        "nothing of it ran"
    )
    try:
        row_id = recorder.started(run.connection, script)
        held = run.engine.still_holds_run_lock(run.connection, run.lock)
    except DBAPIError as exc:
        if not exc.connection_invalidated or run.guard.watch.silent_for is not None:
            raise  # a silent server is ServerSilent (migrator.runtime.session)
        raise Unprotected(f"{lost} ({one_line(exc)})") from None
    if not held:
        raise Unprotected(
            f"{lost}; it stays `unknown` in {project.where.history_name} until `migrate repair "
            f"{script.revision} --rolled-back` ({RUNBOOK})"
        )
    return row_id


def _observed(upgrade: Callable[..., Any], observer: StatementObserver, revision: str) -> Any:
    def observed_upgrade(*args: Any, **kwargs: Any) -> Any:
        with observer.revision_running(revision):
            result = upgrade(*args, **kwargs)
        signum = termination_requested()
        if signum is not None:
            raise StopRequested(signum)
        return result

    return observed_upgrade


def _failed(
    run: LockedRun,
    recorder: Recorder,
    row_id: int,
    script: Script,
    observer: StatementObserver,
    exc: BaseException,
) -> BaseException:
    """Record how the revision ended, where that is known, and return the error that ends the
    run."""
    connection, watch = run.connection, run.guard.watch
    revision = script.revision
    ran = observer.committed
    halfway = ran > 0
    statement = observer.last_statement or ""
    leftovers = _leftovers(run) if halfway else []
    left = f"; it left {'; '.join(leftovers)}" if leftovers else ""
    if halfway:
        why = (
            "(MySQL cannot roll DDL back)"
            if not run.engine.ddl_is_transactional
            else "outside its transaction (an autocommit block, or a commit of its own)"
        )
        repair = (
            f"; {ran} of its statement(s) committed {why}{left}, so no upgrade runs until "
            f"`migrate repair {revision} --applied|--rolled-back` ({RUNBOOK})"
        )
    elif run.engine.ddl_is_transactional:
        repair = "; its transaction rolled back whole, so a rerun starts it afresh"
    else:
        repair = "; none of its statements had completed, so a rerun starts it afresh"
    where = f"revision {revision}"
    stays = ",".join(down_revisions(script)) or "base"
    unknown = (
        f"migrator_history keeps {revision} `unknown`: check the schema, then `migrate repair "
        f"{revision} --applied|--rolled-back` ({RUNBOOK}); until then every upgrade exits 10"
    )

    if watch.silent_for is not None:
        # The server is silent: the row stays `unknown`, which is what is known.
        return ServerSilent(
            f"{where}: the server answered nothing for {watch.silent_for:.0f} s while "
            f"{statement!r} ran; it may still complete on the server. {unknown}"
        )
    cancel = watch.cancel_outcome()
    if cancel is not None or isinstance(exc, StopRequested | Terminated):
        signum = termination_requested() or int(getattr(exc, "signum", signal.SIGTERM))
        if cancel is Cancel.UNCONFIRMED:
            return Terminated(
                signum,
                f"during {where}: {statement!r} was cancelled but the server did not confirm "
                f"that it stopped; it may still be running there. {unknown}",
            )
        _record(connection, recorder, row_id, Outcome.INTERRUPTED, ran, statement, "interrupted")
        return Terminated(signum, f"during {where} ({statement!r} cancelled){repair}")
    if isinstance(exc, MigratorError) and not isinstance(exc, MetadataLockTimeout) and not ran:
        # A safeguard or the configuration stopped the revision before any statement.
        _record(connection, recorder, row_id, Outcome.FAILED, 0, statement, str(exc))
        return exc
    _record(connection, recorder, row_id, Outcome.FAILED, ran, statement, one_line(exc) + left)
    if isinstance(exc, MetadataLockTimeout):
        then = repair if halfway else "; end the blocking transaction, then rerun"
        return MetadataLockTimeout(f"{where}: {exc}; the version table stays at {stays}{then}")
    if isinstance(exc, VersionRowLost):
        return MigrationFailed(f"{where}: {exc}{repair}")
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


def _leftovers(run: LockedRun) -> list[str]:
    try:
        return run.engine.leftovers(run.connection)
    except Exception as exc:
        log.error("could not look for what the revision left behind: %s", one_line(exc))
        return []
