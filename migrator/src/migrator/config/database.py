"""Where the database is and how to reach it, read from the environment (and `*_FILE` secrets).

The runner's settings and the application's both build on this class, so that one DATABASE_URL
or one set of DB_* variables means the same database to the migrator and to the service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from migrator.errors import ConfigurationError


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # DATABASE_URL wins; otherwise the DB_* parts; otherwise SQLite at SQLITE_PATH.
    database_url: SecretStr | None = None
    database_url_file: Path | None = None
    db_engine: Literal["mysql", "mariadb", "postgresql"] = "mysql"
    db_host: str | None = None
    db_port: int | None = Field(default=None, ge=1, le=65535)  # the engine's own by default
    db_name: str | None = None
    db_user: str | None = None
    db_password: SecretStr | None = None
    db_password_file: Path | None = None
    sqlite_path: Path | None = None

    db_connect_timeout: int = Field(default=3, ge=1, le=60)
    db_read_timeout: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _read_secret_files(self) -> Self:
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
            self.parse_url(self.database_url.get_secret_value())
        elif self.db_host is not None:
            missing = [name for name in ("db_name", "db_user") if getattr(self, name) is None]
            if missing:
                names = ", ".join(name.upper() for name in missing)
                raise ValueError(f"DB_HOST is set, so {names} must be set too")
        return self

    @property
    def has_database(self) -> bool:
        return not (self.uses_embedded_default and self.sqlite_path is None)

    @property
    def uses_embedded_default(self) -> bool:
        return self.database_url is None and self.db_host is None

    def describe_database(self) -> str:
        """Where the data lives, for a log line; never the password."""
        if self.uses_embedded_default:
            return (
                f"embedded SQLite default at {Path(str(self.sqlite_path)).resolve()} "
                "(set DATABASE_URL or DB_HOST to use MySQL)"
            )
        return self.sqlalchemy_url.render_as_string(hide_password=True)

    @property
    def sqlalchemy_url(self) -> URL:
        if self.database_url is not None:
            return self.parse_url(self.database_url.get_secret_value())
        if self.db_host is not None:
            driver, port, query = _DB_ENGINES[self.db_engine]
            return URL.create(
                driver,
                username=self.db_user,
                password=self.db_password.get_secret_value() if self.db_password else None,
                host=self.db_host,
                port=self.db_port or port,
                database=self.db_name,
                query=query,
            )
        if self.sqlite_path is None:
            # Only commands that connect need a database (`lint --all` and `plan --from` do not).
            raise ConfigurationError(
                "no database: set DATABASE_URL, or DB_HOST with DB_NAME and DB_USER "
                "(or SQLITE_PATH)"
            )
        return URL.create("sqlite+pysqlite", database=str(self.sqlite_path))

    @classmethod
    def parse_url(cls, value: str) -> URL:
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


# DB_ENGINE -> SQLAlchemy's driver name, the default port, the URL's query.
_DB_ENGINES: dict[str, tuple[str, int, dict[str, str]]] = {
    "mysql": ("mysql+pymysql", 3306, {"charset": "utf8mb4"}),
    "mariadb": ("mysql+pymysql", 3306, {"charset": "utf8mb4"}),
    "postgresql": ("postgresql+psycopg", 5432, {}),
}


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each bad variable, never its value."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "invalid configuration: " + "; ".join(problems)
