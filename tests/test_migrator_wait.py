"""The migrator waits for what can heal, fails fast on what cannot, and stops when told."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import create_engine
from tenacity import wait_none

from harness.db import version_in
from harness.migrator_process import run_migrator, start_migrator
from harness.mysql_server import APP_PASSWORD, ThrowawayServer, free_port
from harness.servers import new_database, started_server
from migrator.engines.base import engine_named
from migrator.engines.mysql.errors import is_transient
from migrator.errors import ConfigurationError, DatabaseRejected, DatabaseUnreachable
from migrator.exit_codes import OK, SIGNAL_BASE
from migrator.runtime.wait import wait_for_database, wait_policy


def _dead_url() -> str:
    return f"mysql+pymysql://app:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"


@pytest.fixture
def stopped_server(tmp_path: Path) -> ThrowawayServer:
    """A server with the app user and database in place, then stopped."""
    server = started_server(tmp_path / "late")
    new_database(server, "app", migrate=False)
    server.stop()
    return server


def test_database_started_3_s_later_is_waited_for(stopped_server: ThrowawayServer) -> None:
    migrator = start_migrator(stopped_server.url("app"), "upgrade")
    time.sleep(3)
    stopped_server.start_in_background()
    try:
        accepted_at = stopped_server.first_accept()
        migrator.wait(timeout=60)
        exited_at = time.monotonic()
        _, stderr = migrator.communicate()

        assert migrator.returncode == OK, stderr
        assert exited_at - accepted_at < 1.5
        assert "not reachable yet" in stderr
        assert version_in(stopped_server.url("app")) == ["0001"]
    finally:
        stopped_server.stop()


def test_no_database_ever_exits_3_at_the_deadline_after_logged_retries() -> None:
    started = time.monotonic()
    result = run_migrator(_dead_url(), "upgrade", migrator_wait_timeout=2)
    elapsed = time.monotonic() - started

    assert result.returncode == DatabaseUnreachable.exit_code, result.stderr
    assert 2 <= elapsed < 8
    assert result.stderr.count("not reachable yet") >= 3
    assert "MIGRATOR_WAIT_TIMEOUT=2" in result.stderr


def test_wrong_password_exits_4_fast_with_one_attempt(mysql_server: ThrowawayServer) -> None:
    url = mysql_server.url("mysql", password="wrong-secret-9f2")

    started = time.monotonic()
    result = run_migrator(url, "upgrade")
    elapsed = time.monotonic() - started

    assert result.returncode == DatabaseRejected.exit_code
    assert elapsed < 2
    assert "not reachable yet" not in result.stderr
    assert "access denied" in result.stderr
    assert "wrong-secret-9f2" not in result.stderr + result.stdout


def test_unknown_database_exits_4_naming_db_name(mysql_server: ThrowawayServer) -> None:
    result = run_migrator(mysql_server.url("no_such_db"), "upgrade")

    assert result.returncode == DatabaseRejected.exit_code
    assert "unknown database: check DB_NAME" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3


def test_malformed_url_exits_2() -> None:
    result = run_migrator("mysql+pymysql://user:pw@host:notaport/db", "upgrade")

    assert result.returncode == ConfigurationError.exit_code
    assert "Traceback" not in result.stderr


def test_missing_driver_exits_2() -> None:
    result = run_migrator("postgresql+pg8000://u:p@127.0.0.1/db", "upgrade")

    assert result.returncode == ConfigurationError.exit_code
    assert "the database driver is not installed (pg8000)" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_engine_the_runner_does_not_serve_exits_2() -> None:
    result = run_migrator("mssql+pymssql://u:p@127.0.0.1/db", "upgrade")

    assert result.returncode == ConfigurationError.exit_code
    assert "the runner has no engine for mssql:// URLs" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_waiting_ends_within_1_s(signum: signal.Signals) -> None:
    migrator = start_migrator(_dead_url(), "upgrade", migrator_wait_timeout=60)
    assert migrator.stderr is not None
    for line in migrator.stderr:
        if "not reachable yet" in line:
            break

    sent_at = time.monotonic()
    migrator.send_signal(signum)
    migrator.wait(timeout=5)

    assert time.monotonic() - sent_at < 1
    assert migrator.returncode == SIGNAL_BASE + signum


def test_transient_errors_are_retried_until_the_deadline() -> None:
    engine = create_engine(_dead_url(), connect_args={"connect_timeout": 1})
    policy = wait_policy(engine_named("mysql"), 0.3).copy(wait=wait_none())

    with pytest.raises(DatabaseUnreachable):
        wait_for_database(engine, 0.3, policy)

    assert policy.statistics["attempt_number"] > 1


def test_permanent_errors_are_not_retried(mysql_server: ThrowawayServer) -> None:
    engine = create_engine(mysql_server.url("mysql", password="nope"))
    policy = wait_policy(engine_named("mysql"), 30).copy(wait=wait_none())

    with pytest.raises(DatabaseRejected, match="access denied"):
        wait_for_database(engine, 30, policy)

    assert policy.statistics["attempt_number"] == 1


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (pymysql.err.OperationalError(2003, "Can't connect"), True),
        (pymysql.err.OperationalError(2013, "Lost connection"), True),
        (pymysql.err.OperationalError(1040, "Too many connections"), True),
        (pymysql.err.OperationalError(1053, "Server shutdown in progress"), True),
        (pymysql.err.OperationalError(1045, "Access denied"), False),
        (pymysql.err.OperationalError(1049, "Unknown database"), False),
        (pymysql.err.ProgrammingError(1064, "syntax"), False),
        (ConnectionRefusedError(), True),
        (RuntimeError("cryptography is required"), False),
    ],
)
def test_error_classification(error: Exception, transient: bool) -> None:
    from sqlalchemy.exc import DBAPIError

    wrapped = (
        DBAPIError.instance("SELECT 1", None, error, pymysql.err.Error)
        if isinstance(error, pymysql.err.Error)
        else error
    )

    assert is_transient(wrapped) is transient


def test_no_rights_on_the_database_names_db_name_and_the_grants() -> None:
    from sqlalchemy.exc import DBAPIError

    from migrator.engines.mysql.errors import hint_for

    error = pymysql.err.OperationalError(1044, "Access denied for user 'app'@'%' to database 'x'")
    hint = hint_for(DBAPIError.instance("SELECT 1", None, error, pymysql.err.Error))

    assert "DB_NAME" in hint
    assert "granted" in hint
