"""Settings for a test database, independent of the machine's environment variables: the
application's, and the runner's (pointed at this project's alembic/ unless told otherwise)."""

from __future__ import annotations

from pathlib import Path

from core.settings import PROJECT_ROOT, Settings
from migrator.cli import commands
from migrator.config.settings import RunnerSettings


def settings_for(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, **overrides)  # type: ignore[arg-type]


def runner_settings_for(url: str, **overrides: object) -> RunnerSettings:
    overrides.setdefault("alembic_script_location", PROJECT_ROOT / "alembic")
    return RunnerSettings(database_url=url, **overrides)  # type: ignore[arg-type]


def migrate(url: str, script_location: Path | None = None) -> None:
    """Upgrade the database at `url` to head with the runner's own code (in this process)."""
    commands.upgrade(
        runner_settings_for(
            url, alembic_script_location=script_location or PROJECT_ROOT / "alembic"
        )
    )
