"""The Alembic project the runner was pointed at: its scripts, its ini, how its revisions run.

ALEMBIC_SCRIPT_LOCATION names the directory holding env.py and versions/ (default ./alembic);
MIGRATOR_ALEMBIC_INI, where set, is read for script_location, version_locations and
version_table (the one env.py configures wins: migrator.project.environment asks it). Its sections
are copied into a Config without a file name: a template env.py
then skips fileConfig(), which would silence the runner's own loggers (sqlalchemy/alembic#714);
the runner configures logging itself. The database URL reaches env.py as sqlalchemy.url.
"""

from __future__ import annotations

import configparser
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TextIO

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from migrator.config.settings import RunnerSettings
from migrator.errors import ConfigurationError
from migrator.history.table import DEFAULT_VERSION_TABLE, VersionTable

INI_SECTION = "alembic"


def alembic_config(
    settings: RunnerSettings, connection: Connection | None = None, stdout: TextIO = sys.stdout
) -> Config:
    ini = settings.migrator_alembic_ini
    here = str(ini.resolve().parent) if ini is not None else ""
    config = Config(stdout=stdout, output_buffer=stdout, config_args={"here": here})
    if ini is not None:
        sections = _ini_sections(ini)
        for name, value in sections.pop(INI_SECTION).items():
            config.set_main_option(name, value)
        # The other sections too: the multi-database template reads one per engine.
        for section, options in sections.items():
            for name, value in options.items():
                config.set_section_option(section, name, value.replace("%", "%%"))
    if settings.alembic_script_location is not None or ini is None:
        location = settings.alembic_script_location or Path("alembic")
        # ConfigParser interpolates "%": escape it in paths and in the URL.
        config.set_main_option("script_location", str(location).replace("%", "%%"))
    if settings.has_database:  # `lint --all` and `plan --from` need none
        url = settings.project_url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        # The cookbook's "sharing a connection" recipe: an env.py that honours it runs on the
        # runner's locked DDL session; one that does not opens its own
        # (migrator.project.environment).
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=4)
def script_directory(settings: RunnerSettings) -> ScriptDirectory:
    config = alembic_config(settings)
    location = Path(str(config.get_main_option("script_location")))
    if not location.is_dir():
        raise ConfigurationError(
            f"ALEMBIC_SCRIPT_LOCATION: no Alembic scripts at {location.resolve()} "
            "(the directory holding versions/)"
        )
    return ScriptDirectory.from_config(config)


@dataclass(frozen=True)
class Project:
    """What a run is about, resolved once (migrator.project.environment.resolve_project): the
    scripts, how their revisions run, and where the project keeps its versions and history."""

    scripts: ScriptDirectory
    mode: Literal["project", "builtin"]
    where: VersionTable


def ini_version_table(settings: RunnerSettings) -> VersionTable:
    """The version table named by the project's ini (builtin mode has no env.py to ask)."""
    if settings.migrator_alembic_ini is None:
        return VersionTable()
    options = _ini_options(settings.migrator_alembic_ini)
    return VersionTable(
        options.get("version_table", DEFAULT_VERSION_TABLE),
        options.get("version_table_schema") or None,
    )


def env_mode(settings: RunnerSettings, scripts: ScriptDirectory) -> Literal["project", "builtin"]:
    """`project` runs the project's env.py; `builtin` the runner's own environment."""
    has_env = (Path(scripts.dir) / "env.py").is_file()
    if settings.migrator_env == "auto":
        return "project" if has_env else "builtin"
    if settings.migrator_env == "project" and not has_env:
        raise ConfigurationError(
            f"MIGRATOR_ENV=project, but {Path(scripts.dir).resolve()} has no env.py "
            "(MIGRATOR_ENV=builtin runs the revisions without one)"
        )
    return settings.migrator_env


def _ini_options(ini: Path) -> dict[str, str]:
    return _ini_sections(ini)[INI_SECTION]


def _ini_sections(ini: Path) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    try:
        read = parser.read(ini, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigurationError(f"MIGRATOR_ALEMBIC_INI: cannot parse {ini}: {exc}") from None
    if not read:
        raise ConfigurationError(f"MIGRATOR_ALEMBIC_INI: cannot read {ini}")
    if not parser.has_section(INI_SECTION):
        raise ConfigurationError(f"MIGRATOR_ALEMBIC_INI: {ini} has no [{INI_SECTION}] section")
    sections = {name: dict(parser.items(name)) for name in parser.sections()}
    # The project's own URL is a placeholder or another environment's: the runner's wins.
    sections[INI_SECTION].pop("sqlalchemy.url", None)
    return sections
