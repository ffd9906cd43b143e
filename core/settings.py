"""The one configuration class, read from the environment by the API, the migrator and Alembic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The embedded default lives in the project's var/, wherever a command runs from; an explicit
# relative SQLITE_PATH is relative to the working directory, as paths are. Every command's first
# log line names the file.
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "app.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Database: DATABASE_URL wins; otherwise the DB_* parts; otherwise embedded SQLite.
    database_url: SecretStr | None = None
    database_url_file: Path | None = None
    db_host: str | None = None
    db_port: int = Field(default=3306, ge=1, le=65535)
    db_name: str | None = None
    db_user: str | None = None
    db_password: SecretStr | None = None
    db_password_file: Path | None = None
    sqlite_path: Path = DEFAULT_SQLITE_PATH

    # Connection behaviour. The recycle stays below MySQL's default wait_timeout (28800 s) and
    # below the common proxy idle cut-offs (300 s), so a pooled connection is never stale.
    db_connect_timeout: int = Field(default=3, ge=1, le=60)
    db_read_timeout: int = Field(default=30, ge=1)
    db_pool_size: int = Field(default=8, ge=1)
    # Threads (and connections) per worker for the POST /info insert; see bench/README.md.
    db_write_threads: int = Field(default=4, ge=1, le=64)
    db_pool_max_overflow: int = Field(default=4, ge=0)
    db_pool_timeout: float = Field(default=3.0, gt=0)
    db_pool_recycle: int = Field(default=280, ge=1)

    # The API's time budgets (see api/db_calls.py and api/info_writer.py). Every request that
    # needs the database answers within DB_REQUEST_TIMEOUT, queueing for a thread or a pooled
    # connection included; a write waits at most DB_WRITE_QUEUE_TIMEOUT for a free writer
    # thread, so stuck writers make new writes fail fast; /readyz answers within
    # READINESS_TIMEOUT, below the probes' timeoutSeconds. The queue timeout stays above
    # MIGRATOR_LOCK_WAIT_TIMEOUT: writes queued behind a migration's pending ALTER wait that
    # long, and must not fail for it.
    db_request_timeout: float = Field(default=5.0, gt=0, le=60)
    db_write_queue_timeout: float = Field(default=3.0, gt=0, le=60)
    readiness_timeout: float = Field(default=1.5, gt=0, le=60)
    # GET /metrics (Prometheus); see api/metrics.py.
    metrics_enabled: bool = True

    # Where the Alembic scripts live; tests and forward-compatibility drills point it elsewhere.
    alembic_script_location: Path = PROJECT_ROOT / "alembic"

    # Migrator.
    migrator_wait_timeout: float = Field(default=120.0, gt=0)
    migrator_lock_timeout: float = Field(default=300.0, gt=0)
    # Each DDL statement waits at most this long for a metadata lock (MySQL's lock_wait_timeout,
    # whole seconds), then is retried with backoff until the budget is spent; see
    # migrator/ddl_cursor.py. The migrator's session has no client read timeout at all.
    migrator_lock_wait_timeout: int = Field(default=2, ge=1, le=3600)
    migrator_ddl_retry_budget: float = Field(default=600.0, gt=0)
    # A lock-wait timeout after a statement ran longer than the wait itself means the work was
    # done and rolled back when it took the lock again to commit (an INPLACE ALTER does): retry
    # such a statement at most this many times (migrator.lock_wait.longer_lock_wait gives one
    # statement a longer wait instead).
    migrator_commit_lock_retries: int = Field(default=2, ge=0, le=100)
    # While a statement runs, a second connection checks that the server still answers; after
    # this long without any answer the migrator stops (exit 12). A slow statement on a server
    # that answers is never cut.
    migrator_server_silence_timeout: float = Field(default=60.0, ge=5)
    # Recorded in migrator_history with the host (the pod's name) of each event.
    migrator_build_id: str | None = Field(default=None, max_length=255)
    # Where the run's one-line summary also goes: Kubernetes shows this file's content as the
    # container's termination message (`kubectl describe pod`). Unset: logs only.
    migrator_termination_message_path: Path | None = None

    # Serving (read by gunicorn.conf.py).
    port: int = Field(default=8000, ge=1, le=65535)
    bind_host: str = "0.0.0.0"  # noqa: S104 - a container must listen beyond loopback
    web_concurrency: int = Field(default=2, ge=1)
    graceful_timeout: int = Field(default=20, ge=1)
    access_log: bool = False

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _read_secret_files(self) -> Settings:
        for field, file_field in (
            ("database_url", "database_url_file"),
            ("db_password", "db_password_file"),
        ):
            path: Path | None = getattr(self, file_field)
            if path is None:
                continue
            env_name = field.upper()
            if getattr(self, field) is not None:
                raise ValueError(f"set {env_name} or {env_name}_FILE, not both")
            try:
                secret = path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ValueError(f"{env_name}_FILE: cannot read {path}: {exc.strerror}") from None
            object.__setattr__(self, field, SecretStr(secret))
        if self.database_url is not None:
            _parse_url(self.database_url.get_secret_value())
        elif self.db_host is not None:
            missing = [name for name in ("db_name", "db_user") if getattr(self, name) is None]
            if missing:
                names = ", ".join(name.upper() for name in missing)
                raise ValueError(f"DB_HOST is set, so {names} must be set too")
        return self

    @model_validator(mode="after")
    def _keep_the_api_budgets_in_order(self) -> Settings:
        # Each pair: (shorter, longer, why). Out of order, the API would answer before its own
        # inner limit could act, or gunicorn would kill a worker while a request may still run.
        for shorter, longer, why in (
            (
                "db_write_queue_timeout",
                "db_request_timeout",
                "a write that waited its whole queue time needs time left to run",
            ),
            (
                "db_request_timeout",
                "graceful_timeout",
                "a request in flight at SIGTERM must be answered before the worker is killed",
            ),
        ):
            low, high = getattr(self, shorter), getattr(self, longer)
            if not low < high:
                raise ValueError(
                    f"{shorter.upper()} ({low:g}) must be below {longer.upper()} ({high:g}): {why}"
                )
        return self

    @property
    def uses_embedded_default(self) -> bool:
        return self.database_url is None and self.db_host is None

    def describe_database(self) -> str:
        """Where the data lives, for a log line; never the password."""
        if self.uses_embedded_default:
            return (
                f"embedded SQLite default at {self.sqlite_path.resolve()} "
                "(set DATABASE_URL or DB_HOST to use MySQL)"
            )
        return self.sqlalchemy_url.render_as_string(hide_password=True)

    @property
    def sqlalchemy_url(self) -> URL:
        if self.database_url is not None:
            return _parse_url(self.database_url.get_secret_value())
        if self.db_host is not None:
            return URL.create(
                "mysql+pymysql",
                username=self.db_user,
                password=self.db_password.get_secret_value() if self.db_password else None,
                host=self.db_host,
                port=self.db_port,
                database=self.db_name,
                query={"charset": "utf8mb4"},
            )
        return URL.create("sqlite+pysqlite", database=str(self.sqlite_path))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings once per process; a bad value fails here, naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from None


def _parse_url(value: str) -> URL:
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        # Not the exception's text: it may quote the URL, password included.
        raise ValueError(
            "DATABASE_URL is not a valid URL "
            "(expected e.g. mysql+pymysql://user:password@host:3306/dbname)"
        ) from None
    if url.drivername in ("mysql", "mariadb"):
        # SQLAlchemy's default MySQL driver is mysqlclient (MySQLdb), which is not installed.
        raise ValueError(
            f"DATABASE_URL names no driver ({url.drivername}://): use mysql+pymysql://, "
            "the driver this project installs"
        )
    return url


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "invalid configuration: " + "; ".join(problems)
