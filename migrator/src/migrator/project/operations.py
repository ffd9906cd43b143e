"""What Alembic's command module does for upgrade --sql, stamp and check, run through the
project's mode (migrator.project.environment) instead of a plain EnvironmentContext."""

from __future__ import annotations

from typing import Any

from alembic import util
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from migrator.config.settings import RunnerSettings
from migrator.errors import ConfigurationError, ModelsDiffer
from migrator.project.environment import run_steps
from migrator.project.scripts import alembic_config, script_directory


def print_upgrade_sql(settings: RunnerSettings, from_revision: str | None) -> None:
    """The SQL from `from_revision` (None: base) to head, in offline mode."""
    config = alembic_config(settings)
    scripts = script_directory(settings)

    def steps(revision: Any, _context: MigrationContext) -> Any:
        return scripts._upgrade_revs("heads", revision)

    run_steps(
        settings,
        config,
        scripts,
        None,
        steps,
        as_sql=True,
        starting_rev=from_revision,
        destination_rev="heads",
    )


def stamp_to(
    settings: RunnerSettings, connection: Connection, revision: str, *, purge: bool = False
) -> None:
    """Set the version table to `revision` without running DDL; the caller commits."""
    config = alembic_config(settings, connection)
    scripts = script_directory(settings)
    destination = util.to_tuple(revision)

    def steps(current: Any, _context: MigrationContext) -> Any:
        return scripts._stamp_revs(destination, current)

    run_steps(
        settings, config, scripts, connection, steps, destination_rev=destination, purge=purge
    )


def compare_models(settings: RunnerSettings, connection: Connection) -> None:
    """Raise ModelsDiffer when the project's models and its database differ."""
    config = alembic_config(settings, connection)
    scripts = script_directory(settings)
    differences: list[Any] = []

    def steps(_revision: Any, context: MigrationContext) -> Any:
        metadata = context.opts.get("target_metadata")
        if metadata is None:
            raise ConfigurationError(
                "check needs the project's MetaData: env.py's target_metadata, or "
                "MIGRATOR_TARGET_METADATA=module:attribute with MIGRATOR_ENV=builtin"
            )
        differences.extend(compare_metadata(context, metadata))
        return []

    run_steps(settings, config, scripts, connection, steps)
    if differences:
        raise ModelsDiffer(f"the models and the migrations differ: {differences}")
