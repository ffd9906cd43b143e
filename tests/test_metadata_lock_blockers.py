"""The blocker line names the sessions that hold the altered table, not every open transaction
in the schema: from performance_schema (MySQL 8.4; MariaDB started with it and its metadata-lock
instrument on), or from MariaDB's METADATA_LOCK_INFO plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pymysql
import pytest

from harness.mysql_server import ThrowawayServer
from harness.servers import new_database, started_server
from migrator.engines.mysql.blockers import find_blockers
from migrator.engines.mysql.statements import locked_table

pytestmark = pytest.mark.server  # a server of its own, with the Performance Schema on


@pytest.fixture(scope="module")
def server_with_performance_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ThrowawayServer]:
    # MySQL 8.4 has both on by default; MariaDB has neither.
    options = [
        "--performance-schema=ON",
        "--performance-schema-instrument=wait/lock/metadata/sql/mdl=ON",
    ]
    server = started_server(tmp_path_factory.mktemp("ps"), extra_args=options)
    new_database(server, "app")
    yield server
    server.stop()


def _holding(server: ThrowawayServer, table: str) -> pymysql.Connection:
    holder = server.admin_connection("app")
    holder.autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("START TRANSACTION")
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return holder


def _is_mariadb(server: ThrowawayServer) -> bool:
    with server.admin_connection() as connection:
        return "MariaDB" in connection.get_server_info()


@pytest.fixture(params=["performance_schema", "metadata_lock_info"])
def lock_source(
    request: pytest.FixtureRequest, server_with_performance_schema: ThrowawayServer
) -> Iterator[ThrowawayServer]:
    server = server_with_performance_schema
    if request.param == "performance_schema":
        yield server
        return
    if not _is_mariadb(server):
        pytest.skip("METADATA_LOCK_INFO is MariaDB's plugin; MySQL 8.4 reads performance_schema")
    # Hide the Performance Schema's answer, so that the plugin's table is what is read.
    instrument = (
        "UPDATE performance_schema.setup_instruments SET ENABLED = '{}' "
        "WHERE NAME = 'wait/lock/metadata/sql/mdl'"
    )
    server.admin_sql("INSTALL SONAME 'metadata_lock_info'", instrument.format("NO"))
    yield server
    server.admin_sql(instrument.format("YES"), "UNINSTALL SONAME 'metadata_lock_info'")


def test_only_the_altered_tables_holders_are_named(lock_source: ThrowawayServer) -> None:
    server = lock_source
    server.admin_sql("CREATE TABLE IF NOT EXISTS app.other (id INT PRIMARY KEY)")
    on_ours = _holding(server, "some_infos")
    on_other = _holding(server, "other")
    looking = server.admin_connection("app")
    try:
        ours = find_blockers(looking, "some_infos")
        anywhere = find_blockers(looking, None)
    finally:
        for connection in (on_ours, on_other, looking):
            connection.close()

    assert ours is not None
    assert [b.connection_id for b in ours] == [on_ours.thread_id()]
    assert ours[0].tables == "some_infos"
    assert anywhere is not None
    assert {b.connection_id for b in anywhere} == {on_ours.thread_id(), on_other.thread_id()}


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("ALTER TABLE some_infos ADD COLUMN x INT", "some_infos"),
        ("/* why */ alter table `app`.`some_infos` drop column x", "some_infos"),
        ("CREATE UNIQUE INDEX ix ON some_infos (x)", "some_infos"),
        ("-- note\nDROP TABLE IF EXISTS half_done", "half_done"),
        ("RENAME TABLE a TO b", "a"),
        ("ALTER ONLINE IGNORE TABLE app.some_infos ADD INDEX ix (x)", "some_infos"),
        ("truncate half_done", "half_done"),
        ("DROP INDEX ix ON `some_infos`", "some_infos"),
        ("CREATE TABLE t (id INT)", None),
        ("SELECT 1", None),
    ],
)
def test_the_altered_table_is_read_from_the_statement(statement: str, table: str | None) -> None:
    assert locked_table(statement) == table
