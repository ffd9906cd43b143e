"""The runner's promises on a real PostgreSQL, one story each, through the stock `alembic init`
project (env.py makes an engine of its own, so every guarantee rests on the run's guard):

- waiting: a wrong password or an unknown database exits 4 at once, a port nobody listens on
  exits 3 once MIGRATOR_WAIT_TIMEOUT is spent;
- the run lock: pg_try_advisory_lock, its holder named when it times out, and any number of
  runners apply each revision once;
- lock_timeout: a DDL statement queued behind an idle-in-transaction session gives up after
  MIGRATOR_LOCK_WAIT_TIMEOUT, so reads of the table are never held for longer; the revision is
  retried whole, and succeeds once the session ends, or exits 8 naming it;
- transactional DDL: a failed revision leaves nothing and is simply run again; one that failed
  after an autocommit block committed is half-applied (exit 10 next), its INVALID index named;
- a revision that commits Alembic's transaction itself is caught, never reported applied;
- SIGTERM cancels the statement and confirms it left pg_stat_activity; a frozen server ends the
  run with exit 12.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url

from harness.migrator_process import migrator_env, run_migrator, start_migrator
from harness.mysql_server import APP_PASSWORD, APP_USER, free_port
from harness.postgres_server import PostgresServer
from migrator.engines.postgresql.run_lock import lock_key
from migrator.errors import (
    DatabaseRejected,
    DatabaseUnreachable,
    LockTimeout,
    MetadataLockTimeout,
    MigrationFailed,
    NeedsRepair,
    ServerSilent,
)
from migrator.exit_codes import OK, SIGNAL_BASE
from tests.safety.projects import (
    Pause,
    Project,
    Python,
    Revision,
    Way,
    after_base,
    build_project,
)

FAST = {"migrator_wait_timeout": 5, "migrator_lock_wait_timeout": 1}


def _connect(url: str, autocommit: bool = True) -> psycopg.Connection[TupleRow]:
    parts = make_url(url)
    return psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database,
        autocommit=autocommit,
        connect_timeout=5,
    )


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    with _connect(url) as connection:
        return list(connection.execute(query).fetchall())


def _versions(url: str) -> list[object]:
    return [row[0] for row in _rows(url, "SELECT version_num FROM alembic_version")]


def _outcomes(url: str) -> list[tuple[object, ...]]:
    return _rows(url, "SELECT revision, outcome, statements FROM migrator_history ORDER BY id")


def _upgrade(
    url: str, tmp_path: Path, *revisions: Revision, **settings: object
) -> tuple[Project, subprocess.CompletedProcess[str]]:
    project = build_project(Way.STOCK, tmp_path / "project", *revisions)
    return project, run_migrator(url, "upgrade", **{**FAST, **project.settings, **settings})


# -- waiting for the database


def test_a_wrong_password_exits_4_at_once(postgres_server: PostgresServer, tmp_path: Path) -> None:
    url = postgres_server.url(postgres_server.create_database(), password="wrong")
    started = time.monotonic()

    _project, result = _upgrade(url, tmp_path, migrator_wait_timeout=30)

    assert result.returncode == DatabaseRejected.exit_code, result.stderr
    assert time.monotonic() - started < 10
    assert "password authentication failed" in result.stderr
    assert "check DB_USER and DB_PASSWORD" in result.stderr
    assert "wrong" not in result.stderr.replace("wrong password", "")


def test_an_unknown_database_exits_4_naming_db_name(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    _project, result = _upgrade(postgres_server.url("no_such_db"), tmp_path)

    assert result.returncode == DatabaseRejected.exit_code, result.stderr
    assert "unknown database: check DB_NAME" in result.stderr


def test_a_port_nobody_listens_on_exits_3_after_the_wait(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{free_port()}/app"
    started = time.monotonic()

    _project, result = _upgrade(url, tmp_path, migrator_wait_timeout=2)

    assert result.returncode == DatabaseUnreachable.exit_code, result.stderr
    assert 2 <= time.monotonic() - started < 15
    assert "unreachable after" in result.stderr


def test_db_engine_postgresql_builds_the_url_from_db_parts(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    database = postgres_server.create_database()
    project = build_project(Way.STOCK, tmp_path / "project")

    env = migrator_env(
        "",
        **{**project.settings, **FAST},
        db_engine="postgresql",
        db_host="127.0.0.1",
        db_port=postgres_server.port,
        db_name=database,
        db_user=APP_USER,
        db_password=APP_PASSWORD,
    )
    del env["DATABASE_URL"]

    result = subprocess.run(
        [sys.executable, "-m", "migrator", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == OK, result.stderr
    assert _versions(postgres_server.url(database)) == ["0001"]


def test_a_psycopg2_url_runs_on_psycopg_3_and_says_so(postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url.replace("postgresql+psycopg://", "postgresql+psycopg2://", 1)

    _project, result = _upgrade(url, tmp_path)

    assert result.returncode == OK, result.stderr
    assert "names psycopg2: the runner connects through psycopg 3" in result.stderr
    assert _versions(postgres_url) == ["0001"]


# -- the run lock


def test_the_lock_holder_is_named_when_the_lock_times_out(
    postgres_url: str, tmp_path: Path
) -> None:
    with _connect(postgres_url) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(),))
        (pid,) = holder.execute("SELECT pg_backend_pid()").fetchone() or (None,)

        _project, result = _upgrade(postgres_url, tmp_path, migrator_lock_timeout=2)

    assert result.returncode == LockTimeout.exit_code, result.stderr
    assert f"still held by session {pid} ({APP_USER}@" in result.stderr


def test_five_runners_at_once_apply_each_revision_once(postgres_url: str, tmp_path: Path) -> None:
    revisions = [
        after_base("0002", "CREATE TABLE a (id INT PRIMARY KEY)", Pause(0.3)),
        after_base("0003", "CREATE TABLE b (id INT PRIMARY KEY)", down="0002"),
        after_base(
            "0004",
            Python(
                "with op.get_context().autocommit_block():\n"
                "    op.execute('CREATE INDEX CONCURRENTLY ix_b_id ON b (id)')"
            ),
            down="0003",
        ),
    ]
    project = build_project(Way.STOCK, tmp_path / "project", *revisions)
    runners = [
        start_migrator(postgres_url, "upgrade", **{**FAST, **project.settings}) for _ in range(5)
    ]
    results = [(runner.wait(timeout=120), runner.communicate()[1]) for runner in runners]

    assert [code for code, _ in results] == [OK] * 5, [err for _, err in results]
    applied = [str(row[0]) for row in _outcomes(postgres_url) if row[1] == "applied"]
    assert sorted(applied) == ["0001", "0002", "0003", "0004"]


# -- lock_timeout, and the revision retried whole


@contextmanager
def _idle_in_transaction(url: str, table: str) -> Iterator[int]:
    """A session that read `table` and idles in its transaction (ACCESS SHARE held)."""
    with _connect(url, autocommit=False) as session:
        session.execute(f"SELECT count(*) FROM {table}").fetchone()
        (pid,) = session.execute("SELECT pg_backend_pid()").fetchone() or (0,)
        yield int(pid)
        session.rollback()


def test_ddl_behind_an_idle_transaction_gives_up_and_never_holds_the_reads(
    postgres_url: str, tmp_path: Path
) -> None:
    _project, first = _upgrade(postgres_url, tmp_path)
    assert first.returncode == OK, first.stderr
    revision = after_base("0002", "ALTER TABLE base_t ADD COLUMN note TEXT")
    reads: list[float] = []

    _project.add(revision)
    with _idle_in_transaction(postgres_url, "base_t"):
        runner = start_migrator(
            postgres_url,
            "upgrade",
            **{**FAST, **_project.settings, "migrator_ddl_retry_budget": 4},
        )
        _wait_for_statement(postgres_url, "ADD COLUMN note")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            began = time.monotonic()
            _rows(postgres_url, "SELECT count(*) FROM base_t")
            reads.append(time.monotonic() - began)
            time.sleep(0.05)
        runner.wait(timeout=60)
        stderr = runner.communicate()[1]

    assert runner.returncode == MetadataLockTimeout.exit_code, stderr
    # Each read queued behind the waiting ALTER for at most its lock_timeout (1 s).
    assert max(reads) < 1.5, reads


def test_a_lock_wait_rolls_the_revision_back_whole_and_it_runs_again(
    postgres_url: str, tmp_path: Path
) -> None:
    project, first = _upgrade(postgres_url, tmp_path)
    assert first.returncode == OK, first.stderr
    project.add(
        after_base(
            "0002",
            "CREATE TABLE c (id INT PRIMARY KEY)",
            "ALTER TABLE base_t ADD COLUMN note TEXT",
        )
    )
    with _idle_in_transaction(postgres_url, "base_t") as blocker:
        runner = start_migrator(
            postgres_url, "upgrade", **{**FAST, **project.settings, "migrator_ddl_retry_budget": 60}
        )
        time.sleep(3)  # the revision has timed out and been rolled back at least once
    runner.wait(timeout=60)
    stderr = runner.communicate()[1]

    assert runner.returncode == OK, stderr
    assert "rolled back whole" in stderr
    assert f"blocked by session {blocker}" in stderr
    assert _versions(postgres_url) == ["0002"]
    assert [row[:2] for row in _outcomes(postgres_url)][-1] == ("0002", "applied")


def test_a_lock_wait_past_the_budget_exits_8_naming_the_blocker(
    postgres_url: str, tmp_path: Path
) -> None:
    project, first = _upgrade(postgres_url, tmp_path)
    assert first.returncode == OK, first.stderr
    project.add(after_base("0002", "ALTER TABLE base_t ADD COLUMN note TEXT"))

    with _idle_in_transaction(postgres_url, "base_t") as blocker:
        result = run_migrator(
            postgres_url, "upgrade", **{**FAST, **project.settings, "migrator_ddl_retry_budget": 3}
        )

    assert result.returncode == MetadataLockTimeout.exit_code, result.stderr
    assert f"blocked by session {blocker}" in result.stderr
    assert "idle in transaction" in result.stderr
    assert _versions(postgres_url) == ["0001"]
    # Nothing of it was committed: the next run simply runs it.
    assert run_migrator(postgres_url, "upgrade", **{**FAST, **project.settings}).returncode == OK


# -- transactional DDL, and what autocommit blocks commit


def test_a_failed_revision_leaves_nothing_and_simply_runs_again(
    postgres_url: str, tmp_path: Path
) -> None:
    failing = after_base("0002", "CREATE TABLE d (id INT PRIMARY KEY)", "SELECT 1/0")

    project, result = _upgrade(postgres_url, tmp_path, failing)

    assert result.returncode == MigrationFailed.exit_code, result.stderr
    assert "rolled back whole, so a rerun starts it afresh" in result.stderr
    assert _rows(postgres_url, "SELECT to_regclass('d')") == [(None,)]
    assert _outcomes(postgres_url)[-1] == ("0002", "failed", 0)
    again = run_migrator(postgres_url, "upgrade", **{**FAST, **project.settings})
    assert again.returncode == MigrationFailed.exit_code, again.stderr  # run, not refused (10)


def test_a_failure_after_an_autocommit_block_is_half_applied_and_names_the_invalid_index(
    postgres_url: str, tmp_path: Path
) -> None:
    failing = after_base(
        "0002",
        "CREATE TABLE e (id INT, v INT)",
        "INSERT INTO e VALUES (1, 1), (2, 1)",
        Python(
            "with op.get_context().autocommit_block():\n"
            "    op.execute('CREATE UNIQUE INDEX CONCURRENTLY ix_e_v ON e (v)')"
        ),
    )

    project, result = _upgrade(postgres_url, tmp_path, failing)

    assert result.returncode == MigrationFailed.exit_code, result.stderr
    assert "committed outside its transaction" in result.stderr
    assert "INVALID index public.ix_e_v on e" in result.stderr
    again = run_migrator(postgres_url, "upgrade", **{**FAST, **project.settings})
    assert again.returncode == NeedsRepair.exit_code, again.stderr


def test_a_revision_that_commits_alembics_transaction_is_caught(
    postgres_url: str, tmp_path: Path
) -> None:
    committing = after_base(
        "0002",
        "CREATE TABLE f (id INT PRIMARY KEY)",
        Python("op.get_bind().commit()"),
        "CREATE TABLE g (id INT PRIMARY KEY)",
    )

    project, result = _upgrade(postgres_url, tmp_path, committing)

    assert result.returncode == MigrationFailed.exit_code, result.stderr
    assert "committed Alembic's transaction itself" in result.stderr
    assert "applied revision 0002" not in result.stderr
    assert _versions(postgres_url) == ["0001"]
    again = run_migrator(postgres_url, "upgrade", **{**FAST, **project.settings})
    assert again.returncode == NeedsRepair.exit_code, again.stderr


# -- SIGTERM and a frozen server


def _wait_for_statement(url: str, fragment: str, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _rows(
            url,
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
            f"'%{fragment}%' AND pid <> pg_backend_pid()",
        )
        if rows:
            return int(str(rows[0][0]))
        time.sleep(0.1)
    raise AssertionError(f"{fragment!r} never ran")


def test_sigterm_cancels_the_statement_and_confirms_it_ended(
    postgres_url: str, tmp_path: Path
) -> None:
    project = build_project(
        Way.STOCK, tmp_path / "project", after_base("0002", "SELECT pg_sleep(60)")
    )
    runner = start_migrator(postgres_url, "upgrade", **{**FAST, **project.settings})
    pid = _wait_for_statement(postgres_url, "pg_sleep(60)")

    runner.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    runner.wait(timeout=30)
    took = time.monotonic() - sent
    stderr = runner.communicate()[1]

    assert runner.returncode == SIGNAL_BASE + signal.SIGTERM, stderr
    assert took < 5, took
    assert "confirmed ended" in stderr
    assert _rows(postgres_url, f"SELECT 1 FROM pg_stat_activity WHERE pid = {pid} AND "
                 "state = 'active'") == []  # fmt: skip
    assert _outcomes(postgres_url)[-1][:2] == ("0002", "interrupted")
    assert "Traceback" not in stderr


def test_a_frozen_server_ends_the_run_with_exit_12(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.url(own_postgres.create_database())
    project = build_project(
        Way.STOCK, tmp_path / "project", after_base("0002", "SELECT pg_sleep(30)")
    )
    runner = start_migrator(
        url, "upgrade", **{**FAST, **project.settings, "migrator_server_silence_timeout": 5}
    )
    _wait_for_statement(url, "pg_sleep(30)")

    own_postgres.freeze()
    frozen = time.monotonic()
    try:
        runner.wait(timeout=60)
        took = time.monotonic() - frozen
    finally:
        own_postgres.thaw()
    stderr = runner.communicate()[1]

    assert runner.returncode == ServerSilent.exit_code, stderr
    assert took < 5 + 10, took
    assert "Traceback" not in stderr
    assert _outcomes(url)[-1][:2] == ("0002", "unknown")


def test_a_lock_held_by_another_role_is_named_by_its_pid(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    database = postgres_server.create_database()
    with postgres_server.admin_connection(database) as holder:  # the superuser: another role
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(),))
        (pid,) = holder.execute("SELECT pg_backend_pid()").fetchone() or (None,)

        _project, result = _upgrade(
            postgres_server.url(database), tmp_path, migrator_lock_timeout=2
        )

    assert result.returncode == LockTimeout.exit_code, result.stderr
    assert f"still held by session {pid} (postgres; its details are hidden" in result.stderr
