"""The runner's one settings class: the database (migrator.config.database), the project's
Alembic scripts, and the runner's own budgets, read from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from sqlalchemy.engine import URL

from migrator.config.database import DatabaseSettings, describe_validation_error
from migrator.errors import ConfigurationError

# The mysqlclient (MySQLdb) driver is a C extension most images lack; its URLs run on PyMySQL.
_MYSQLDB_DRIVERS = ("mysql", "mysql+mysqldb", "mariadb", "mariadb+mysqldb")
# psycopg2 (and SQLAlchemy's default for postgresql://) is psycopg 2; the runner has psycopg 3.
_PSYCOPG2_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg2", "postgres+psycopg2")
# An async driver in the URL is for the project's env.py (Alembic's async template).
_ASYNC_DRIVERS = ("mysql+aiomysql", "mysql+asyncmy", "mariadb+aiomysql", "mariadb+asyncmy")
_PG_ASYNC_DRIVERS = ("postgresql+asyncpg", "postgresql+psycopg_async")


class RunnerSettings(DatabaseSettings):
    # The project: the directory holding env.py and versions/ (default ./alembic, or the ini's
    # script_location), and optionally its alembic.ini (version_table, version_locations and
    # script_location are honoured; its sqlalchemy.url is replaced by the database above).
    alembic_script_location: Path | None = None
    migrator_alembic_ini: Path | None = None
    # project: run the project's env.py unchanged (the default when there is one); builtin: run
    # the revisions with the runner's own environment (for env.py files that need their whole
    # application, as Flask-Migrate's does).
    migrator_env: Literal["auto", "project", "builtin"] = "auto"
    # module:attribute of the project's MetaData, for `check` in builtin mode.
    migrator_target_metadata: str | None = None

    migrator_wait_timeout: float = Field(default=120.0, gt=0)
    migrator_lock_timeout: float = Field(default=300.0, gt=0)
    # Each DDL statement waits at most this long for a metadata lock (MySQL's lock_wait_timeout,
    # whole seconds), then is retried with backoff until the budget is spent; see
    # migrator.runtime.statement_retry. The runner's DDL session has no client read timeout at all.
    migrator_lock_wait_timeout: int = Field(default=2, ge=1, le=3600)
    migrator_ddl_retry_budget: float = Field(default=600.0, gt=0)
    # A lock-wait timeout after a statement ran longer than the wait itself means the work was
    # done and rolled back when it took the lock again to commit (an INPLACE ALTER does): retry
    # such a statement at most this many times (migrator.lock_wait.longer_lock_wait gives one
    # statement a longer wait instead).
    migrator_commit_lock_retries: int = Field(default=2, ge=0, le=100)
    # While a statement runs, a second connection checks that the server still answers; after
    # this long without any answer the runner stops (exit 12). A slow statement on a server
    # that answers is never cut.
    migrator_server_silence_timeout: float = Field(default=60.0, ge=5)
    # Recorded in migrator_history with the host (the pod's name) of each event.
    migrator_build_id: str | None = Field(default=None, max_length=255)
    # Where the run's one-line summary also goes: Kubernetes shows this file's content as the
    # container's termination message (`kubectl describe pod`). Unset: logs only.
    migrator_termination_message_path: Path | None = None

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @classmethod
    def parse_url(cls, value: str) -> URL:
        driver = _driver(value)
        if driver in _MYSQLDB_DRIVERS + _ASYNC_DRIVERS:
            value = "mysql+pymysql://" + value.split("://", 1)[1]
        elif driver in _PSYCOPG2_DRIVERS + _PG_ASYNC_DRIVERS:
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return super().parse_url(value)

    @property
    def project_url(self) -> URL:
        """The URL as the project's env.py gets it: an async driver stays (the async template
        needs one); the runner's own connections use sqlalchemy_url (PyMySQL, psycopg 3)."""
        if self.database_url is None:
            return self.sqlalchemy_url
        value = self.database_url.get_secret_value()
        if _driver(value) in _ASYNC_DRIVERS + _PG_ASYNC_DRIVERS:
            return DatabaseSettings.parse_url(value)
        return self.sqlalchemy_url

    @property
    def driver_substituted(self) -> str | None:
        """The driver the URL names that the runner replaces, said once in the log."""
        if self.database_url is None:
            return None
        driver = _driver(self.database_url.get_secret_value())
        if driver in _MYSQLDB_DRIVERS:
            return "DATABASE_URL names mysqlclient (MySQLdb): the runner connects through PyMySQL"
        if driver in _PSYCOPG2_DRIVERS:
            return "DATABASE_URL names psycopg2: the runner connects through psycopg 3"
        return None


def _driver(value: str) -> str:
    return value.split("://", 1)[0].lower()


@lru_cache(maxsize=1)
def get_settings() -> RunnerSettings:
    """Build the settings once per process; a bad value fails here, naming the variable."""
    try:
        return RunnerSettings()
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
