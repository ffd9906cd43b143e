"""The harness's throwaway PostgreSQL with what the benchmarks add: a template database holding
a table of N rows (each round copies it instead of filling a table again), logins as the app
user, and a watch on the sessions that wait for a lock."""

from __future__ import annotations

import time
import uuid

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url

from harness.mysql_server import APP_USER
from harness.postgres_server import PostgresServer

TABLE = "bench_rows"
TEMPLATE = "bench_template"
POLL_SECONDS = 0.05


class BenchPostgres(PostgresServer):
    def fill_template(self, rows: int) -> None:
        """TEMPLATE, owned by the app user, with TABLE's ids 1..rows (create_app_user first)."""
        self.create_database(TEMPLATE)
        self.admin_sql(
            sql.SQL("SET ROLE {}").format(sql.Identifier(APP_USER)),
            f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, hits integer NOT NULL DEFAULT 0)",
            sql.SQL("INSERT INTO {} (id) SELECT generate_series(1, {})").format(
                sql.Identifier(TABLE), sql.Literal(rows)
            ),
            f"VACUUM ANALYZE {TABLE}",
            database=TEMPLATE,
        )

    def copy_of_template(self) -> str:
        """A fresh database with TEMPLATE's table (a file copy, faster than filling it)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin_sql(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE), sql.Identifier(APP_USER)
            )
        )
        return name

    def app_connection(self, url: str) -> psycopg.Connection[TupleRow]:
        """The app user over TCP, as the application connects (not in autocommit mode)."""
        parts = make_url(url)
        return psycopg.connect(
            host=parts.host, port=parts.port, user=parts.username, password=parts.password,
            dbname=parts.database, connect_timeout=10,
        )  # fmt: skip

    def lock_waits_until(self, deadline: float, query_like: str) -> dict[tuple[int, str], float]:
        """Until `deadline` (monotonic), each statement matching `query_like` seen waiting on a
        lock, by (backend pid, statement start), with the moment it was first seen."""
        seen: dict[tuple[int, str], float] = {}
        query = (
            "SELECT pid, query_start::text FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query ILIKE %s"
        )
        with self.admin_connection() as connection:
            while (now := time.monotonic()) < deadline:
                for pid, started in connection.execute(query, (query_like,)).fetchall():
                    seen.setdefault((pid, started), now)
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        return seen

    def first_accept(self, timeout: float = 60) -> float:
        """Poll as the app user over TCP until the server accepts a login; return that moment."""
        url = self.url("postgres")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.app_connection(url).close()
                return time.monotonic()
            except psycopg.OperationalError:
                time.sleep(0.005)
        raise RuntimeError(f"postgres on port {self.port} never accepted a connection")

    def version_string(self) -> str:
        """E.g. 'PostgreSQL 15.14 (Debian 15.14-0+deb12u1)'."""
        with self.admin_connection() as connection:
            return f"PostgreSQL {connection.info.parameter_status('server_version')}"
