"""Running Alembic's steps on the project's database, the two ways in.

- project: the project's own env.py runs unchanged, inside an EnvironmentContext whose `fn`
  hands it the steps (as pytest-alembic drives foreign projects). Whatever connection env.py
  opens is guarded while the run lasts (migrator.runtime.run_guard), and `configure()` gains the
  runner's version-apply hook and its filter for the history table. An env.py that honours
  config.attributes["connection"] runs on the runner's locked session itself. What env.py
  configures (its version table and schema) is asked once per run: resolve_project().
- builtin: env.py is not run (many need their whole application: Flask-Migrate's
  current_app, oslo.config); the runner configures the context on its own connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from migrator.config.settings import RunnerSettings
from migrator.errors import ConfigurationError
from migrator.history.table import DEFAULT_VERSION_TABLE, HISTORY_TABLE, VersionTable
from migrator.project.scripts import (
    Project,
    alembic_config,
    env_mode,
    ini_version_table,
    script_directory,
)

StepsFn = Callable[[Any, MigrationContext], Iterable[Any]]
OnConnection = Callable[[Connection], None]


def not_history(name: str | None, type_: str, _parents: Any) -> bool:
    """The runner's own tables are no model of the project's."""
    return not (type_ == "table" and (name or "").startswith(HISTORY_TABLE))


def _callbacks(given: Any) -> list[Any]:
    """on_version_apply as Alembic accepts it: one callable or a sequence of them."""
    if given is None:
        return []
    return [given] if callable(given) else list(given)


def runner_environment(
    config: Config, scripts: ScriptDirectory, on_version_apply: Iterable[Any], **kwargs: Any
) -> EnvironmentContext:
    """An EnvironmentContext whose configure() adds the runner's hooks to the project's options.

    Set on the instance: Alembic installs the `alembic.context` proxy per class, from the
    instance's attributes, so a subclass would install nothing."""
    env = EnvironmentContext(config, scripts, **kwargs)
    configure = env.configure

    def configure_with_the_runners_hooks(**opts: Any) -> None:
        theirs = opts.get("include_name")
        opts["include_name"] = (
            not_history
            if theirs is None
            else lambda *args: not_history(*args) and bool(theirs(*args))
        )
        opts["on_version_apply"] = [*_callbacks(opts.get("on_version_apply")), *on_version_apply]
        version_table = config.get_main_option("version_table")
        if version_table is not None:
            opts.setdefault("version_table", version_table)
        schema = config.get_main_option("version_table_schema")
        if schema:
            opts.setdefault("version_table_schema", schema)
        configure(**opts)

    env.configure = configure_with_the_runners_hooks  # type: ignore[method-assign, assignment]
    return env


def run_steps(
    settings: RunnerSettings,
    config: Config,
    scripts: ScriptDirectory,
    connection: Connection | None,
    fn: StepsFn,
    *,
    on_connection: OnConnection | None = None,
    on_version_apply: Iterable[Any] = (),
    **context_options: Any,
) -> None:
    """Run `fn`'s steps (as Alembic's command module does) in the project's mode."""

    def steps(revision: Any, context: MigrationContext) -> Iterable[Any]:
        if on_connection is not None and context.connection is not None:
            on_connection(context.connection)
        return fn(revision, context)

    env = runner_environment(config, scripts, on_version_apply, fn=steps, **context_options)
    with env:
        if env_mode(settings, scripts) == "project":
            scripts.run_env()
            return
        if context_options.get("as_sql"):
            env.configure(
                url=settings.project_url,
                literal_binds=True,
                dialect_opts={"paramstyle": "named"},
                transaction_per_migration=True,
            )
        else:
            env.configure(
                connection=connection,
                target_metadata=target_metadata(settings),
                transaction_per_migration=True,
            )
        with env.begin_transaction():
            env.run_migrations()


def resolve_project(settings: RunnerSettings, connection: Connection) -> Project:
    """The project this run is about, once: in project mode env.py itself is asked (run with
    no steps) which version table and schema it configures; builtin mode reads the ini."""
    scripts = script_directory(settings)
    mode = env_mode(settings, scripts)
    if mode == "builtin":
        return Project(scripts, mode, ini_version_table(settings))
    found: list[VersionTable] = []

    def ask(_revision: Any, context: MigrationContext) -> Iterable[Any]:
        found.append(
            VersionTable(
                str(context.opts.get("version_table") or DEFAULT_VERSION_TABLE),
                context.opts.get("version_table_schema") or None,
            )
        )
        return []

    # dont_mutate: as `alembic current` does, so that asking creates no version table.
    config = alembic_config(settings, connection)
    run_steps(settings, config, scripts, connection, ask, dont_mutate=True)
    connection.rollback()
    if not found:
        raise ConfigurationError(
            f"{scripts.dir}/env.py configured no migration context online "
            "(MIGRATOR_ENV=builtin runs the revisions without it)"
        )
    return Project(scripts, mode, found[0])


def target_metadata(settings: RunnerSettings) -> MetaData | None:
    """The project's MetaData named by MIGRATOR_TARGET_METADATA (module:attribute), for `check`
    in builtin mode; None where unset."""
    spec = settings.migrator_target_metadata
    if spec is None:
        return None
    module_name, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"MIGRATOR_TARGET_METADATA={spec}: {exc}") from None
    if not isinstance(found, MetaData):
        raise ConfigurationError(f"MIGRATOR_TARGET_METADATA={spec} is not a MetaData")
    return found
