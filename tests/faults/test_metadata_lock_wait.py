"""A transaction holds the table's metadata lock while a revision's ALTER waits for it: the
API's writes keep flowing, the migrator names the blocker and finishes once it is gone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.db import create_db_engine
from harness.api_process import StartApi
from harness.db import version_in
from harness.http import WriteLoad
from harness.migrator_process import run_migrator, start_migrator
from harness.mysql_server import ThrowawayServer
from harness.settings import settings_for
from migrator.config.settings import RunnerSettings
from migrator.errors import MetadataLockTimeout
from migrator.exit_codes import OK
from tests.faults.conftest import MARGIN_SECONDS
from tests.support.scripts import scripts_with

HOLD_SECONDS = 12
CLIENTS = 4
# The migrator's backoff between tries of a DDL statement is capped at 5 s
# (migrator.runtime.statement_retry).
DDL_BACKOFF_MAX = 5.0
LOCK_WAIT_TIMEOUT = RunnerSettings.model_fields["migrator_lock_wait_timeout"].default
# A write queued behind the pending ALTER waits one try's lock_wait_timeout at most, plus its
# own round trips on a shared CPU.
WRITE_MARGIN = 1.5


def test_writes_flow_while_a_transaction_holds_the_metadata_lock(
    own_server: ThrowawayServer, dml_url: str, start_api: StartApi, tmp_path: Path
) -> None:
    url = own_server.url("app")  # the migrator's user (DDL rights); the API's has DML only
    api = start_api(dml_url)
    report = own_server.admin_connection("app")  # a long report: a transaction that read the table
    report.autocommit(False)
    with WriteLoad(api.base, "behind an ALTER", CLIENTS) as load:
        with report.cursor() as cursor:
            cursor.execute("START TRANSACTION")
            cursor.execute("SELECT COUNT(*) FROM some_infos")
            holder_id = report.thread_id()
        scripts = scripts_with(tmp_path, "0002_expand_summary.py")
        migrator = start_migrator(url, "upgrade", alembic_script_location=scripts)
        try:
            time.sleep(HOLD_SECONDS)
        finally:
            released_at = time.monotonic()  # when the release is requested, not when it returns
            report.rollback()
            report.close()
        _, stderr = migrator.communicate(timeout=60)
        exited_after = time.monotonic() - released_at
    outcomes = load.outcomes

    assert migrator.returncode == OK, stderr
    # After the release, the next try comes within one backoff and takes the lock at once.
    assert exited_after < DDL_BACKOFF_MAX + LOCK_WAIT_TIMEOUT + MARGIN_SECONDS
    assert version_in(url) == ["0002"]
    assert "waiting on a metadata lock" in stderr
    assert f"connection {holder_id} " in stderr
    assert {o.status for o in outcomes} == {201}
    slowest = max(o.seconds for o in outcomes)
    assert slowest < LOCK_WAIT_TIMEOUT + WRITE_MARGIN, sorted(o.seconds for o in outcomes)[-5:]


def test_a_client_read_timeout_never_cuts_a_migration_statement(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    # The DDL session connects with DB_CONNECT_TIMEOUT as its read timeout, then lifts it
    # (migrator.engines.mysql.connect); DB_READ_TIMEOUT applies to the other sessions. Both are
    # 1 s here, below the revision's 5 s statement, which a session with either timeout would cut.
    scripts = scripts_with(tmp_path, "0002_slow_statement.py")
    control = create_db_engine(settings_for(migrated_mysql_url, db_read_timeout=1))
    try:
        with pytest.raises(OperationalError, match="2013"), control.connect() as connection:
            connection.execute(text("DO SLEEP(5)"))
    finally:
        control.dispose()

    result = run_migrator(
        migrated_mysql_url,
        "upgrade",
        alembic_script_location=scripts,
        db_read_timeout=1,
        db_connect_timeout=1,
    )

    assert result.returncode == OK, result.stderr
    assert version_in(migrated_mysql_url) == ["0002"]


def test_the_retry_budget_ends_with_exit_8_naming_the_blocker(
    migrated_mysql_url: str, mysql_server: ThrowawayServer, tmp_path: Path
) -> None:
    database = migrated_mysql_url.rsplit("/", 1)[1].split("?")[0]
    holder = mysql_server.admin_connection(database)
    holder.autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("START TRANSACTION")
        cursor.execute("INSERT INTO some_infos (`desc`) VALUES ('held')")
    scripts = scripts_with(tmp_path, "0002_expand_summary.py")
    try:
        result = run_migrator(
            migrated_mysql_url,
            "upgrade",
            alembic_script_location=scripts,
            migrator_lock_wait_timeout=1,
            migrator_ddl_retry_budget=4,
        )
    finally:
        holder.rollback()
        holder.close()

    assert result.returncode == MetadataLockTimeout.exit_code, result.stderr
    assert "MIGRATOR_DDL_RETRY_BUDGET=4" in result.stderr
    assert f"connection {holder.thread_id()} " in result.stderr
    assert "Traceback" not in result.stderr
    assert version_in(migrated_mysql_url) == ["0001"]
