"""current, plan, check, await-schema and the lock timeout, as an operator runs them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from harness.migrator_process import run_migrator, start_migrator
from migrator.engines.mysql.run_lock import lock_name
from migrator.errors import LockTimeout, ModelsDiffer, SchemaNotReady
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with


def test_current_reports_base_then_head(database_url: str) -> None:
    before = run_migrator(database_url, "current")
    run_migrator(database_url, "upgrade")
    after = run_migrator(database_url, "current")

    assert before.stdout.strip() == "base (uninitialised)"
    assert after.stdout.strip() == "0001 (current)"


def test_plan_prints_the_sql_without_touching_the_database(database_url: str) -> None:
    result = run_migrator(database_url, "plan")
    still_empty = run_migrator(database_url, "current")

    assert result.returncode == OK
    assert "CREATE TABLE some_infos" in result.stdout
    assert still_empty.stdout.strip() == "base (uninitialised)"


def test_plan_from_a_revision_needs_no_database(tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_add_notes.py")
    url = "mysql+pymysql://nobody:x@127.0.0.1:9/none"

    result = run_migrator(url, "plan", "--from", "0001", alembic_script_location=scripts)

    assert result.returncode == OK, result.stderr
    assert "CREATE TABLE notes" in result.stdout
    assert "some_infos" not in result.stdout


@pytest.mark.parametrize("args", [["plan", "--from", "0001"], ["plan", "--from", "head"]])
def test_plan_at_head_says_so_in_one_line(args: list[str]) -> None:
    result = run_migrator("mysql+pymysql://nobody:x@127.0.0.1:9/none", *args)

    assert result.returncode == OK, result.stderr
    assert result.stdout.strip() == f"-- {args[-1]} is this build's head: nothing to apply"


def test_check_passes_on_the_real_tree(database_url: str) -> None:
    run_migrator(database_url, "upgrade")

    result = run_migrator(database_url, "check")

    assert result.returncode == OK, result.stderr


def test_check_fails_when_models_and_migrations_differ(database_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_column_not_in_models.py")
    run_migrator(database_url, "upgrade", alembic_script_location=scripts)

    result = run_migrator(database_url, "check", alembic_script_location=scripts)

    assert result.returncode == ModelsDiffer.exit_code
    assert "undeclared" in result.stderr


def test_await_schema_times_out_on_an_empty_database(database_url: str) -> None:
    result = run_migrator(database_url, "await-schema", migrator_wait_timeout=1.5)

    assert result.returncode == SchemaNotReady.exit_code
    assert "uninitialised" in result.stderr


def test_await_schema_returns_once_another_runner_migrated(mysql_url: str) -> None:
    waiter = start_migrator(mysql_url, "await-schema", migrator_wait_timeout=60)
    time.sleep(1.5)
    run_migrator(mysql_url, "upgrade")

    assert waiter.wait(timeout=30) == OK


def test_lock_held_elsewhere_times_out_with_exit_5_naming_the_holder(mysql_url: str) -> None:
    engine = create_engine(mysql_url)
    with engine.connect() as holder:
        database = holder.execute(text("SELECT DATABASE()")).scalar_one()
        holder.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": lock_name(database)})
        holder_id = holder.execute(text("SELECT CONNECTION_ID()")).scalar_one()

        result = run_migrator(mysql_url, "upgrade", migrator_lock_timeout=2)

    engine.dispose()
    assert result.returncode == LockTimeout.exit_code
    assert f"holder={holder_id}" in result.stderr
    assert f"held by connection {holder_id}" in result.stderr


def test_a_mysqldb_url_runs_through_pymysql(mysql_url: str) -> None:
    url = mysql_url.replace("mysql+pymysql://", "mysql+mysqldb://", 1)

    result = run_migrator(url, "upgrade")

    assert result.returncode == OK, result.stderr
    assert "the runner connects through PyMySQL" in result.stderr
