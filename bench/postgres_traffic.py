"""PostgreSQL rows: writes during a migration behind an idle-in-transaction session, plain
Alembic against the runner, and the runner's no-op ratio and wake time (bench/migrator.py's
measures) on one throwaway PostgreSQL.

    uv run python -m bench.postgres_traffic [--rounds 3] [--runs 7]

Each round, for each way in turn, a fresh copy of a table of ROWS rows takes pgbench's UPDATEs
at 8 clients; LEAD_SECONDS in, a session reads the table and stays idle in its transaction for
HOLD_SECONDS; MIGRATION_AFTER seconds after it began, the ADD COLUMN revision starts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling import LoadResult
from bench.migrator import MIGRATE, alembic_upgrade_head, migrator_table
from bench.pgbench import CLIENTS, RATE, finish, start_writes, update_script
from bench.postgres_server import TABLE, BenchPostgres
from bench.report import environment_line, markdown_table
from bench.stock_project import StockProject, init_project
from core.settings import PROJECT_ROOT
from harness.migrator_process import migrator_env

ROWS = 1_048_576
LEAD_SECONDS = 2.0  # writes before the session begins
HOLD_SECONDS = 10.0  # the session's life, idle in transaction after its read
MIGRATION_AFTER = 1.0  # the migration starts this long after the session began
TAIL_SECONDS = 6.0  # writes after the session ends, while the migration finishes
LOCK_WAIT_TIMEOUT = 2  # MIGRATOR_LOCK_WAIT_TIMEOUT, whole seconds
RUNNER = {"migrator_lock_wait_timeout": LOCK_WAIT_TIMEOUT, "migrator_ddl_retry_budget": 60}
# Plain Alembic's writes queue behind its waiting ALTER until the session ends: the worst one
# should have waited about that long (this share of it, at least).
PLAIN_SHARE_OF_QUEUE = 0.9


@dataclass(frozen=True)
class Migration:
    """What a migration behind the idle session did, and how long that session lived."""

    seconds: float
    alter_queued: float  # seconds after the session began that an ALTER first waited on a lock
    alter_attempts: int  # ALTER statements seen waiting (the runner retries after each 55P03)
    session_seconds: float

    @property
    def queue_ms(self) -> float:
        """How long the first waiting ALTER could hold writes back: until the session ended."""
        return (self.session_seconds - self.alter_queued) * 1000


@dataclass(frozen=True)
class Round:
    load: LoadResult
    migration: Migration


def migration_command(
    way: str, url: str, project: StockProject
) -> tuple[list[str], dict[str, str]]:
    if way == "alembic":
        return alembic_upgrade_head(project.ini), migrator_env(url)
    return MIGRATE, migrator_env(url, **project.settings, **RUNNER)


def behind_idle_session(
    server: BenchPostgres, url: str, way: str, project: StockProject
) -> Migration:
    """The migration started while a session that read the table idles in its transaction; the
    load is the caller's. Polls pg_stat_activity for ALTERs waiting on a lock meanwhile."""
    session = server.app_connection(url)
    session.execute(f"SELECT id FROM {TABLE} LIMIT 1")  # psycopg opened a transaction for it
    began = time.monotonic()
    time.sleep(MIGRATION_AFTER)
    command, env = migration_command(way, url, project)
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    waits = server.lock_waits_until(began + HOLD_SECONDS, "ALTER TABLE%")
    session.rollback()
    ended = time.monotonic()
    session.close()
    _, stderr = process.communicate(timeout=120)
    if process.returncode != 0:
        raise SystemExit(f"{way} exited with {process.returncode}: {stderr[-3000:]}")
    return Migration(
        seconds=time.monotonic() - started,
        alter_queued=(min(waits.values()) if waits else ended) - began,
        alter_attempts=len(waits),
        session_seconds=ended - began,
    )


def one_round(server: BenchPostgres, stock: StockProject, way: str, directory: Path) -> Round:
    directory.mkdir()
    database = server.copy_of_template()
    url = server.url(database)
    project = stock.copy_for(directory / "project", url)
    seconds = LEAD_SECONDS + HOLD_SECONDS + TAIL_SECONDS
    load = start_writes(url, update_script(directory, TABLE, ROWS), seconds, directory / "writes")
    time.sleep(LEAD_SECONDS)
    migration = behind_idle_session(server, url, way, project)
    result = Round(finish(load), migration)
    server.drop_database(database)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = BenchPostgres(Path(tmp) / "postgres")
        server.start()
        server.create_app_user()
        server.fill_template(ROWS)
        stock = init_project(Path(tmp) / "stock")
        rounds: dict[str, list[Round]] = {"alembic": [], "runner": []}
        for index in range(args.rounds):  # the two ways alternate, so noise hits both alike
            for way, results in rounds.items():
                results.append(one_round(server, stock, way, Path(tmp) / f"{way}-{index}"))
        environment = environment_line(server.version_string(), driver="psycopg")
        url = server.url(server.copy_of_template())
        noop = stock.copy_for(Path(tmp) / "noop", url)
        wake = migrator_table(server, migrator_env(url, **noop.settings), noop.ini, args.runs)
        server.stop()
    print(
        f"## PostgreSQL: writes during a migration behind an idle-in-transaction session "
        f"({environment}; pgbench UPDATEs at {RATE}/s from {CLIENTS} clients on {ROWS:,} rows; "
        f"the session idles {HOLD_SECONDS:g} s, the migration starts {MIGRATION_AFTER:g} s in; "
        f"MIGRATOR_LOCK_WAIT_TIMEOUT={LOCK_WAIT_TIMEOUT}; median of {args.rounds} rounds)\n"
    )
    print(_summary(rounds))
    print("\nEach round:\n")
    print(_each_round(rounds))
    print(f"\n## PostgreSQL: migrator ({environment}, {args.runs} runs each)\n")
    print(wake)


def _goal(way: str, results: list[Round]) -> tuple[str, bool]:
    if way == "runner":
        limit_ms = (LOCK_WAIT_TIMEOUT + 1) * 1000
        met = all(r.load.max_ms <= limit_ms and r.load.errors == 0 for r in results)
        return f"worst ≤ {limit_ms / 1000:g} s and 0 errors, every round", met
    met = all(r.load.max_ms >= PLAIN_SHARE_OF_QUEUE * r.migration.queue_ms for r in results)
    goal = (
        f"worst ≈ the session's life once the ALTER queued (≥ {PLAIN_SHARE_OF_QUEUE:.0%} of "
        f"{statistics.median([r.migration.queue_ms for r in results]) / 1000:.1f} s), every round"
    )
    return goal, met


def _summary(rounds: dict[str, list[Round]]) -> str:
    rows = []
    for way, results in rounds.items():
        goal, met = _goal(way, results)
        rows.append([
            _name(way),
            f"{statistics.median([r.load.per_second for r in results]):.0f}",
            f"{statistics.median([r.load.p99_ms for r in results]):.1f}",
            f"{statistics.median([r.load.max_ms for r in results]):.0f}",
            str(sum(r.load.errors for r in results)),
            f"{statistics.median([r.migration.seconds for r in results]):.1f}",
            f"{statistics.median([r.migration.session_seconds for r in results]):.1f}",
            goal,
            "MET" if met else "**NOT MET**",
        ])  # fmt: skip
    header = ["migration", "writes/s", "p99 ms", "worst ms", "errors (all rounds)",
              "migration s", "idle session lived s", "goal", "met"]  # fmt: skip
    return markdown_table(header, rows)


def _each_round(rounds: dict[str, list[Round]]) -> str:
    rows = [
        [str(index + 1), _name(way), f"{r.load.per_second:.0f}", f"{r.load.p99_ms:.1f}",
         f"{r.load.max_ms:.0f}", str(r.load.errors), f"{r.migration.seconds:.1f}",
         f"{r.migration.alter_queued:.1f}", str(r.migration.alter_attempts),
         f"{r.migration.session_seconds:.1f}"]
        for way, results in rounds.items()
        for index, r in enumerate(results)
    ]  # fmt: skip
    rows.sort(key=lambda row: row[0])
    header = ["round", "migration", "writes/s", "p99 ms", "worst ms", "errors", "migration s",
              "ALTER first waited at s", "ALTERs that waited", "idle session lived s"]  # fmt: skip
    return markdown_table(header, rows)


def _name(way: str) -> str:
    return "plain `alembic upgrade head`" if way == "alembic" else "runner `migrate upgrade`"


if __name__ == "__main__":
    main()
