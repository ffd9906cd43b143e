"""/healthz never needs the database; /readyz follows the schema revision."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.web import create_app
from core.settings import Settings
from harness.settings import migrate, settings_for
from tests.support.scripts import scripts_with


def test_readyz_is_503_before_migration_and_200_after(database_url: str) -> None:
    settings = settings_for(database_url)
    with TestClient(create_app(settings)) as client:
        before = client.get("/readyz")
        migrate(database_url)
        after = client.get("/readyz")

    assert before.status_code == 503
    assert "not initialised" in before.json()["reason"]
    assert after.status_code == 200
    assert after.json() == {"status": "ready", "revision": "0001"}


def test_readyz_stays_200_when_the_database_is_proven_ahead(
    tmp_path: Path, migrated_settings: Settings, database_url: str
) -> None:
    newer = scripts_with(tmp_path, "0002_add_notes.py")
    migrate(database_url, newer)

    with TestClient(create_app(migrated_settings)) as client:
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["revision"] == "0002"


def test_readyz_is_503_when_the_database_is_on_an_unexplained_revision(
    migrated_settings: Settings,
) -> None:
    engine = create_engine(migrated_settings.sqlalchemy_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()

    with TestClient(create_app(migrated_settings)) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["reason"].startswith("schema_diverged")


def test_readyz_is_503_when_the_schema_is_behind(
    tmp_path: Path, migrated_settings: Settings
) -> None:
    newer = scripts_with(tmp_path, "0002_add_notes.py")
    settings = migrated_settings.model_copy(update={"alembic_script_location": newer})

    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert "behind" in response.json()["reason"]


def test_database_down_means_503_on_readyz_and_info_but_200_on_healthz() -> None:
    # A port nothing listens on: connection refused, immediately.
    settings = settings_for("mysql+pymysql://u:p@127.0.0.1:9/none", db_connect_timeout=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
        created = client.post("/info", data={"desc": "x"})

    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["reason"] == "database unreachable"
    assert created.status_code == 503
    assert created.json() == {
        "code": "database_unavailable",
        "detail": "database unavailable; retry shortly",
        "write": "not_written",
    }
    assert created.headers["Retry-After"] == "1"
