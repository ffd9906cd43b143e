""" "Ahead" only when migrator_history proves it: a newer build's revision on our line is served,
a sibling branch's or an unexplained one is not (exit 11, /readyz 503 schema_diverged). And a
database migrated before the history existed is adopted without a manual step."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.web import create_app
from harness.migrator_process import run_migrator
from harness.settings import settings_for
from migrator.errors import SchemaDiverged
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with


def _readyz(url: str) -> tuple[int, dict[str, str]]:
    with TestClient(create_app(settings_for(url)), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_a_newer_build_on_our_line_is_proven_ahead(migrated_mysql_url: str, tmp_path: Path) -> None:
    newer = scripts_with(tmp_path / "newer", "0002_add_notes.py")
    run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=newer)

    older = run_migrator(migrated_mysql_url, "upgrade")
    current = run_migrator(migrated_mysql_url, "current")
    status, body = _readyz(migrated_mysql_url)

    assert older.returncode == OK, older.stderr
    assert "ahead of this build" in older.stderr
    assert current.stdout.strip() == "0002 (ahead)"
    assert (status, body["revision"]) == (200, "0002")


def test_a_sibling_branch_is_diverged(migrated_mysql_url: str, tmp_path: Path) -> None:
    sibling = scripts_with(tmp_path / "sibling", "0002_sibling_branch.py")
    ours = scripts_with(tmp_path / "ours", "0002_add_notes.py")
    migrated = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=sibling)

    upgrade = run_migrator(migrated_mysql_url, "upgrade", alembic_script_location=ours)
    awaited = run_migrator(
        migrated_mysql_url, "await-schema", alembic_script_location=ours, migrator_wait_timeout=2
    )
    current = run_migrator(migrated_mysql_url, "current", alembic_script_location=ours)
    status, body = _readyz_with(migrated_mysql_url, ours)

    assert migrated.returncode == OK, migrated.stderr
    assert upgrade.returncode == SchemaDiverged.exit_code, upgrade.stderr
    assert "database at 0002s, this build requires 0002" in upgrade.stderr
    assert awaited.returncode == SchemaDiverged.exit_code, awaited.stderr
    assert current.stdout.strip() == "0002s (diverged)"
    assert status == 503
    assert body["reason"].startswith("schema_diverged")


def _readyz_with(url: str, scripts: Path) -> tuple[int, dict[str, str]]:
    settings = settings_for(url, alembic_script_location=scripts)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def test_an_unknown_revision_without_history_is_diverged(migrated_mysql_url: str) -> None:
    _sql(migrated_mysql_url, "UPDATE alembic_version SET version_num = 'f00d'")

    upgrade = run_migrator(migrated_mysql_url, "upgrade")
    status, _ = _readyz(migrated_mysql_url)

    assert upgrade.returncode == SchemaDiverged.exit_code, upgrade.stderr
    assert "database at f00d" in upgrade.stderr
    assert status == 503


def test_a_database_from_the_previous_release_is_adopted(migrated_mysql_url: str) -> None:
    # The previous release kept no history: only alembic_version says where the database is.
    _sql(migrated_mysql_url, "DROP TABLE migrator_history")

    upgrade = run_migrator(migrated_mysql_url, "upgrade")
    history = run_migrator(migrated_mysql_url, "history", "--json")

    assert upgrade.returncode == OK, upgrade.stderr
    assert "adopted 1 applied revision(s)" in upgrade.stderr
    events = json.loads(history.stdout)
    assert [(e["revision"], e["outcome"]) for e in events] == [("0001", "adopted")]
