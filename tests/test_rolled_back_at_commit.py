"""An INPLACE ALTER that did its work and lost it at commit (a transaction held the table when
it took the exclusive metadata lock again): named as such, with the blocker, and retried only
MIGRATOR_COMMIT_LOCK_RETRIES times."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pymysql

from harness.db import version_in
from harness.migrator_process import start_migrator
from harness.mysql_server import ThrowawayServer
from migrator.errors import MetadataLockTimeout
from tests.support.scripts import scripts_with

ROWS = 1 << 20
ALTER = "ALTER TABLE some_infos ADD INDEX"


def _fill(connection: pymysql.Connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO some_infos (`desc`) VALUES ('a row of a big table')")
        count = 1
        while count < ROWS:
            cursor.execute("INSERT INTO some_infos (`desc`) SELECT `desc` FROM some_infos")
            count *= 2


def _wait_for_alter(admin: pymysql.Connection, migrator: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    with admin.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE %s",
                (f"{ALTER}%",),
            )
            if cursor.fetchone()[0]:
                return
            assert migrator.poll() is None, migrator.communicate()[1]
            assert time.monotonic() < deadline, "the ALTER never started"
            time.sleep(0.05)


def test_an_alter_rolled_back_at_commit_is_named_and_bounded(
    migrated_mysql_url: str, mysql_server: ThrowawayServer, tmp_path: Path
) -> None:
    database = migrated_mysql_url.rsplit("/", 1)[1].split("?")[0]
    admin = mysql_server.admin_connection(database)
    _fill(admin)
    scripts = scripts_with(tmp_path, "0002_index_on_a_big_table.py")
    migrator = start_migrator(
        migrated_mysql_url,
        "upgrade",
        alembic_script_location=scripts,
        migrator_lock_wait_timeout=1,
        migrator_commit_lock_retries=0,
        migrator_ddl_retry_budget=60,
    )
    _wait_for_alter(admin, migrator)
    time.sleep(0.3)  # past the ALTER's brief exclusive lock at its start
    reader = mysql_server.admin_connection(database)  # a report that reads the table meanwhile
    reader.autocommit(False)
    try:
        with reader.cursor() as cursor:
            cursor.execute("START TRANSACTION")
            cursor.execute("SELECT id FROM some_infos LIMIT 1")
        _, stderr = migrator.communicate(timeout=120)
    finally:
        reader.rollback()
        reader.close()
        admin.close()

    assert migrator.returncode == MetadataLockTimeout.exit_code, stderr
    assert "rolled back at commit after" in stderr
    assert f"connection {reader.thread_id()} " in stderr
    assert "1 time(s) rolled back at commit (MIGRATOR_COMMIT_LOCK_RETRIES" in stderr
    assert version_in(migrated_mysql_url) == ["0001"]
