"""The migrator's commands, each a function of the settings that raises on failure."""

from __future__ import annotations

import logging
import time

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError

from migrator.config.settings import RunnerSettings
from migrator.engines.base import engine_named
from migrator.errors import (
    ConfigurationError,
    LintFindings,
    RevisionChanged,
    SchemaDiverged,
    SchemaNotReady,
)
from migrator.history.recorder import Recorder, ensure_history
from migrator.history.report import format_history
from migrator.history.revision_graph import script_heads
from migrator.history.schema_state import SchemaState, SchemaStatus
from migrator.history.table import history_rows
from migrator.lint.report import render, undeclared_count
from migrator.lint.revision import lint_revision, revisions_to_lint
from migrator.project.environment import resolve_project
from migrator.project.operations import compare_models, print_upgrade_sql, stamp_to
from migrator.project.scripts import script_directory
from migrator.runtime.session import connected, locked
from migrator.signals import interruptible
from migrator.upgrade.apply import read_state, upgrade_to_head
from migrator.upgrade.checks import changed_revisions
from migrator.upgrade.repair import record_stamp, repair_revision

log = logging.getLogger(__name__)

SCHEMA_POLL_SECONDS = 1.0


def upgrade(settings: RunnerSettings) -> str:
    """Upgrade to head; return "FROM -> TO, N revision(s) applied" for the run's summary."""
    with locked(settings) as run:
        return upgrade_to_head(run, settings).summary()


def database_state(settings: RunnerSettings) -> SchemaState:
    """How the database compares, read where the project keeps its versions."""
    with connected(settings) as connection:
        return read_state(connection, resolve_project(settings, connection))


def current(settings: RunnerSettings) -> None:
    state = database_state(settings)
    print(f"{state.revision} ({state.status.value})")


def plan(settings: RunnerSettings, from_revision: str | None = None) -> None:
    scripts = script_directory(settings)
    if from_revision is None:
        state = database_state(settings)
        if state.ready:
            print(f"-- {state.describe()}: nothing to apply")
            return
        from_revision = state.database[0] if state.database else None
    elif (known_revision(scripts, from_revision),) == script_heads(scripts):
        print(f"-- {from_revision} is this build's head: nothing to apply")
        return
    print_upgrade_sql(settings, from_revision)


def lint(
    settings: RunnerSettings,
    from_revision: str | None = None,
    all_revisions: bool = False,
    output_format: str = "text",
    pg_version: int | None = None,
) -> None:
    engine = engine_named(_lint_backend(settings))
    scripts = script_directory(settings)
    database: tuple[str, ...] = ()
    version, source = pg_version, "--pg-version"
    if from_revision is not None:
        database = tuple(filter(None, [known_revision(scripts, from_revision)]))
    elif not all_revisions:
        with connected(settings) as connection:
            state = read_state(connection, resolve_project(settings, connection))
            if version is None:
                version, source = engine.server_version(connection), "the server's"
        database = state.database
        if state.ready:
            print(f"-- {state.describe()}: nothing pending (--all lints every revision)")
            return
    catalogue = engine.lint_catalogue(version)
    reads_for = catalogue.reads_for.replace("(as given)", f"({source})")
    log.info("lint: the revisions read for %s", reads_for)
    pending = revisions_to_lint(scripts, database, all_revisions)
    if not pending:
        print(f"-- nothing after {','.join(database) or 'base'}: no revision to lint")
        return
    reports = [lint_revision(script, catalogue) for script in pending]
    undeclared = undeclared_count(reports)
    rendered = render(reports, output_format)
    if rendered:
        print(rendered)
    if undeclared:
        raise LintFindings(
            f"{undeclared} finding(s) not declared: change the revision, or accept each in it "
            'with lint_accept = {"<rule> <target>": "<why it is safe>"}'
        )
    log.info("lint: %d revision(s) clean or declared", len(reports))


def stamp(settings: RunnerSettings, revision: str) -> str:
    """Set the version table to `revision` without running any DDL, under the migration lock:
    to adopt a database created outside this project, or to finish a manual repair."""
    scripts = script_directory(settings)
    known_revision(scripts, revision)
    with locked(settings) as run:
        connection = run.connection
        project = resolve_project(settings, connection)
        recorder = Recorder.from_settings(settings, project.where)
        ensure_history(connection, scripts, recorder)
        before = read_state(connection, project)
        stamp_to(settings, connection, revision, purge=True)
        record_stamp(connection, scripts, recorder, revision, before.revision)
        connection.commit()
        after = read_state(connection, project)
    log.warning(
        "stamped %s -> %s without running DDL (%s)",
        before.revision,
        after.revision,
        after.describe(),
    )
    print(f"stamped: {before.revision} -> {after.revision} ({after.status.value})")
    return f"{before.revision} -> {after.revision} stamped, no DDL"


def repair(
    settings: RunnerSettings, revision: str, applied: bool = False, rolled_back: bool = False
) -> str:
    """Say how a half-applied revision ended, under the migration lock: finished by hand
    (stamped as applied) or undone by hand (the next upgrade runs it again)."""
    scripts = script_directory(settings)
    with locked(settings) as run:
        connection = run.connection
        project = resolve_project(settings, connection)
        recorder = Recorder.from_settings(settings, project.where)
        ensure_history(connection, scripts, recorder)
        outcome = repair_revision(connection, settings, scripts, recorder, revision, applied)
        connection.commit()
        after = read_state(connection, project)
    log.warning("repaired %s: %s (%s)", revision, outcome, after.describe())
    print(f"repaired: {revision} {outcome} ({after.status.value})")
    return f"{revision} {outcome}"


def history(settings: RunnerSettings, as_json: bool = False) -> None:
    with connected(settings) as connection:
        rows = history_rows(connection, resolve_project(settings, connection).where)
    print(format_history(rows, as_json=as_json))


def known_revision(scripts: ScriptDirectory, revision: str) -> str | None:
    """The revision id `revision` names ("head", "base" or an id); a usage error if unknown."""
    if revision == "base":
        return None
    try:
        script = scripts.get_revision(revision)
    except (CommandError, RevisionError):
        script = None
    if script is None:
        known = ", ".join(sorted(s.revision for s in scripts.walk_revisions()))
        raise ConfigurationError(f"unknown revision {revision!r} (known: base, {known}, head)")
    return script.revision


def check(settings: RunnerSettings) -> None:
    scripts = script_directory(settings)
    with connected(settings) as connection:
        project = resolve_project(settings, connection)
        state = read_state(connection, project)
        if not state.ready:
            raise SchemaNotReady(f"check needs a database at head; {state.describe()}")
        changed = changed_revisions(scripts, history_rows(connection, project.where))
        if changed:
            raise RevisionChanged("; ".join(changed))
        compare_models(settings, connection)
    log.info("models and migrations agree; no applied revision changed")


def await_schema(settings: RunnerSettings) -> None:
    deadline = time.monotonic() + settings.migrator_wait_timeout
    with connected(settings) as connection, interruptible():
        project = resolve_project(settings, connection)
        while True:
            state = read_state(connection, project)
            if state.ready:
                log.info("schema ready: %s", state.describe(), extra={"revision": state.required})
                return
            if state.status is SchemaStatus.DIVERGED:
                raise SchemaDiverged(state.describe())
            if time.monotonic() >= deadline:
                raise SchemaNotReady(
                    f"{state.describe()} after MIGRATOR_WAIT_TIMEOUT="
                    f"{settings.migrator_wait_timeout:g} s"
                )
            log.info("waiting for the schema: %s", state.describe())
            time.sleep(SCHEMA_POLL_SECONDS)


def _lint_backend(settings: RunnerSettings) -> str:
    """Whose rules lint reads the revisions by: the URL's engine; MySQL's without a database
    or on the local SQLite default (the revisions are written for the server they deploy to)."""
    if not settings.has_database:
        return "mysql"
    backend = settings.sqlalchemy_url.get_backend_name()
    return "mysql" if backend == "sqlite" else backend
