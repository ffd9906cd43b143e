"""The application's one configuration class, read from the environment by the API and
alembic/env.py. The database part is the runner's (migrator.config.database), so that both
read one DATABASE_URL or one set of DB_* variables the same way."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict

from core.errors import ConfigurationError
from migrator.config.database import DatabaseSettings, describe_validation_error

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The embedded default lives in the project's var/, wherever a command runs from; an explicit
# relative SQLITE_PATH is relative to the working directory, as paths are. Every command's first
# log line names the file.
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "app.db"


class Settings(DatabaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Without DATABASE_URL or DB_HOST: the embedded SQLite default.
    sqlite_path: Path | None = DEFAULT_SQLITE_PATH

    # Connection behaviour. The recycle stays below MySQL's default wait_timeout (28800 s) and
    # below the common proxy idle cut-offs (300 s), so a pooled connection is never stale.
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

    # Serving (read by gunicorn.conf.py).
    port: int = Field(default=8000, ge=1, le=65535)
    bind_host: str = "0.0.0.0"  # noqa: S104 - a container must listen beyond loopback
    web_concurrency: int = Field(default=2, ge=1)
    graceful_timeout: int = Field(default=20, ge=1)
    access_log: bool = False

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings once per process; a bad value fails here, naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
