"""The throwaway PostgreSQL server does what the outage tests will ask of it, on a real server."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import TupleRow
from sqlalchemy import create_engine, text

from harness.debian import MissingToolError
from harness.mysql_server import APP_PASSWORD, APP_USER
from harness.postgres_server import PostgresServer

pytestmark = pytest.mark.server


def _server(
    base_dir: Path, port: int | None = None, settings: dict[str, str] | None = None
) -> PostgresServer:
    try:
        return PostgresServer(base_dir, port, settings)
    except MissingToolError as exc:
        pytest.fail(str(exc), pytrace=False)


def _started(base_dir: Path, settings: dict[str, str] | None = None) -> PostgresServer:
    server = _server(base_dir, settings=settings)
    server.start()
    server.create_app_user()
    return server


def _app_connection(
    server: PostgresServer, database: str, password: str = APP_PASSWORD, timeout: int = 5
) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user=APP_USER,
        password=password,
        dbname=database,
        connect_timeout=timeout,
        autocommit=True,
    )


def _one(connection: psycopg.Connection[TupleRow], query: str) -> object:
    row = connection.execute(query).fetchone()
    assert row is not None
    return row[0]


def test_app_role_logs_in_over_tcp_and_creates_a_table(postgres_server: PostgresServer) -> None:
    database = postgres_server.create_database()
    engine = create_engine(postgres_server.url(database))
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (id bigint PRIMARY KEY)"))
            connection.execute(text("INSERT INTO notes VALUES (1)"))
            owner = connection.scalar(
                text("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'")
            )
    finally:
        engine.dispose()
        postgres_server.drop_database(database)

    assert owner == APP_USER


def test_a_wrong_password_is_refused(postgres_server: PostgresServer) -> None:
    database = postgres_server.create_database()
    try:
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            _app_connection(postgres_server, database, password="wrong")
    finally:
        postgres_server.drop_database(database)


def test_version_is_a_supported_server(postgres_server: PostgresServer) -> None:
    assert postgres_server.version >= 130000


def test_freeze_hangs_logins_and_statements_until_thaw(postgres_server: PostgresServer) -> None:
    database = postgres_server.create_database()
    session = _app_connection(postgres_server, database)
    answers: list[object] = []
    statement = threading.Thread(target=lambda: answers.append(_one(session, "SELECT 1")))

    postgres_server.freeze()
    try:
        # The kernel still completes the TCP handshake: only the login gets no answer.
        socket.create_connection(("127.0.0.1", postgres_server.port), timeout=2).close()
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match="timeout"):
            _app_connection(postgres_server, database, timeout=2)
        login_waited = time.monotonic() - started
        statement.start()
        statement.join(timeout=1)
        hung = statement.is_alive()
    finally:
        postgres_server.thaw()
    statement.join(timeout=10)

    assert login_waited >= 1.9
    assert hung
    assert answers == [1]
    with _app_connection(postgres_server, database) as fresh:
        assert _one(fresh, "SELECT 1") == 1
    session.close()
    postgres_server.drop_database(database)


def test_kill_refuses_connections_and_a_restart_recovers_the_data(
    own_postgres: PostgresServer,
) -> None:
    database = own_postgres.create_database()
    session = _app_connection(own_postgres, database)
    session.execute("CREATE TABLE notes (id bigint PRIMARY KEY)")
    session.execute("INSERT INTO notes VALUES (1)")

    own_postgres.kill()

    with pytest.raises(psycopg.OperationalError, match="server closed the connection"):
        session.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError, match="Connection refused"):
        _app_connection(own_postgres, database)
    own_postgres.start()
    with _app_connection(own_postgres, database) as connection:
        assert _one(connection, "SELECT count(*) FROM notes") == 1


def test_a_second_server_with_settings_of_its_own_runs_beside_the_first(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    other = _started(tmp_path / "other", settings={"lock_timeout": "2s"})
    try:
        database = other.create_database()
        names = "SELECT datname FROM pg_database"

        with other.admin_connection() as mine, postgres_server.admin_connection() as theirs:
            assert (database,) in mine.execute(names).fetchall()
            assert (database,) not in theirs.execute(names).fetchall()
            assert mine.execute("SHOW lock_timeout").fetchone() == ("2s",)
            assert theirs.execute("SHOW lock_timeout").fetchone() == ("0",)
        assert other.port != postgres_server.port
        assert other.socket_dir != postgres_server.socket_dir
    finally:
        other.stop()


def test_a_server_that_cannot_start_points_at_its_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _server(tmp_path / "postgres", port=taken.getsockname()[1])

        with pytest.raises(RuntimeError, match=str(server.log_file)):
            server.start()

    assert "could not bind" in server.log_file.read_text()
