"""Configuration: one class, from the environment, secrets from files, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import PROJECT_ROOT, Settings, get_settings
from migrator.config.settings import RunnerSettings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()


def test_nothing_configured_means_embedded_sqlite_under_var() -> None:
    settings = Settings()

    assert settings.uses_embedded_default
    expected = f"sqlite+pysqlite:///{PROJECT_ROOT / 'var' / 'app.db'}"
    assert settings.sqlalchemy_url.render_as_string() == expected


def test_db_parts_build_a_utf8mb4_pymysql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_HOST", "db")
    monkeypatch.setenv("DB_NAME", "app")
    monkeypatch.setenv("DB_USER", "api")
    monkeypatch.setenv("DB_PASSWORD", "s3cr@t/:")

    url = Settings().sqlalchemy_url

    assert url.drivername == "mysql+pymysql"
    assert (url.host, url.port, url.database, url.username) == ("db", 3306, "app", "api")
    assert url.password == "s3cr@t/:"
    assert url.query["charset"] == "utf8mb4"
    assert "s3cr@t" not in url.render_as_string(hide_password=True)


def test_password_file_is_read_without_its_newline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("DB_HOST", "db")
    monkeypatch.setenv("DB_NAME", "app")
    monkeypatch.setenv("DB_USER", "api")
    monkeypatch.setenv("DB_PASSWORD_FILE", str(secret))

    assert Settings().sqlalchemy_url.password == "from-a-file"


def test_password_and_password_file_together_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("x")
    monkeypatch.setenv("DB_PASSWORD", "y")
    monkeypatch.setenv("DB_PASSWORD_FILE", str(secret))

    with pytest.raises(ConfigurationError, match="DB_PASSWORD or DB_PASSWORD_FILE"):
        get_settings()


def test_missing_password_file_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD_FILE", "/nonexistent/pw")

    with pytest.raises(ConfigurationError, match="DB_PASSWORD_FILE: cannot read"):
        get_settings()


def test_db_host_without_name_or_user_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_HOST", "db")

    with pytest.raises(ConfigurationError, match="DB_NAME, DB_USER must be set"):
        get_settings()


def test_bad_number_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PORT", "not-a-port")

    with pytest.raises(ConfigurationError, match="DB_PORT"):
        get_settings()


@pytest.mark.parametrize("url", ["not a url", "mysql+pymysql://u:secret@h:notaport/db"])
def test_malformed_database_url_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ConfigurationError, match="DATABASE_URL is not a valid URL") as caught:
        get_settings()

    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_a_url_without_driver_suggests_pymysql(scheme: str) -> None:
    with pytest.raises(ValueError, match=r"use mysql\+pymysql://"):
        Settings(database_url=f"{scheme}://u:secret-pw@db/app")


def test_writes_queued_behind_a_pending_alter_outlast_its_lock_wait() -> None:
    defaults = Settings()
    runner = RunnerSettings(database_url="mysql+pymysql://u:p@db/app")

    assert defaults.db_write_queue_timeout > runner.migrator_lock_wait_timeout
    assert defaults.db_write_queue_timeout < defaults.db_request_timeout < 10
    assert defaults.readiness_timeout < 2
