"""Traffic during a migration: POST /info at 32 connections through gunicorn while the migrator
applies a revision to the same table, one row per situation, all in one run on one server.

    uv run python -m bench.migration_traffic [--seconds 16] [--rows 1000000]

Rows: no migration; an ADD COLUMN; an ADD INDEX on a table of at least --rows rows; an ADD
COLUMN while another transaction holds the table's metadata lock for 10 s.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling import LoadResult
from bench.report import environment_line, markdown_table
from bench.wrk import parse_result, wrk, wrk_command
from harness.api_process import ApiProcess
from harness.debian import ensure_binary
from harness.migrator_process import start_migrator
from harness.mysql_server import ThrowawayServer
from harness.scripts import ADD_NOTES_COLUMN, script_copy_with
from harness.servers import new_database, started_server

# 0002 (ADD COLUMN) is the harness's, shared with make k8s-e2e; 0003 and 0004 are the bench's.
REVISIONS = [ADD_NOTES_COLUMN, *sorted(Path(__file__).with_name("revisions").glob("000*.py"))]
CONNECTIONS = 32
LEAD_SECONDS = 2.0  # traffic before the migration starts
HOLD_SECONDS = 10.0
# In production the migrator has a container, and a CPU share, of its own; here it shares two
# cores with the API, the database and wrk, and its start-up (about a second of CPU for the
# imports) would be measured as the migration's cost. It runs at a lower priority instead.
MIGRATOR_NICE = 10
TARGET_WORST_MS_UNDER_LOCK = 3000.0
TARGET_P99_RATIO_ADD_COLUMN = 1.5


@dataclass(frozen=True)
class Row:
    situation: str
    load: LoadResult
    migrator: str  # exit code and seconds, or "-"


def fill(server: ThrowawayServer, database: str, rows: int) -> int:
    """Grow some_infos to at least `rows` rows by doubling it."""
    connection = server.admin_connection(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO some_infos (`desc`) VALUES ('seed row of the bench')")
            count = 1
            while count < rows:
                cursor.execute("INSERT INTO some_infos (`desc`) SELECT `desc` FROM some_infos")
                count *= 2
    finally:
        connection.close()
    return count


def under_load(
    wrk_binary: str, api: ApiProcess, seconds: float, during: Callable[[], str]
) -> tuple[LoadResult, str]:
    """Run wrk for `seconds`; LEAD_SECONDS in, call `during` (which returns the migrator's
    outcome); return the load and that outcome."""
    load = subprocess.Popen(
        wrk_command(wrk_binary, api.base, CONNECTIONS, seconds), stdout=subprocess.PIPE, text=True
    )
    time.sleep(LEAD_SECONDS)
    outcome = during()
    out, _ = load.communicate(timeout=seconds + 60)
    return parse_result(out)[0], outcome


def migrate(url: str, scripts: Path, before_exit: Callable[[], None] = lambda: None) -> str:
    started = time.monotonic()
    migrator = start_migrator(url, "upgrade", alembic_script_location=scripts, nice=MIGRATOR_NICE)
    before_exit()
    _, stderr = migrator.communicate(timeout=600)
    if migrator.returncode != 0:
        raise SystemExit(f"the migrator failed ({migrator.returncode}): {stderr[-2000:]}")
    return f"exit 0 after {time.monotonic() - started:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    wrk_binary = ensure_binary("wrk", "wrk")
    with tempfile.TemporaryDirectory() as tmp:
        server = started_server(Path(tmp) / "mysql")
        url = new_database(server, "bench")
        rows = fill(server, "bench", args.rows)
        scripts = [script_copy_with(Path(tmp) / str(n), *REVISIONS[:n]) for n in (1, 2, 3)]
        api = ApiProcess(url, Path(tmp) / "gunicorn.log")
        try:
            api.wait_until("/readyz")
            wrk(wrk_binary, api.base, 8, 3.0)  # warm-up
            results = [
                Row("no migration", *under_load(wrk_binary, api, args.seconds, lambda: "-")),
                Row("ADD COLUMN", *under_load(
                    wrk_binary, api, args.seconds, lambda: migrate(url, scripts[0]))),
                Row(f"ADD INDEX ({rows:,} rows)", *under_load(
                    wrk_binary, api, args.seconds, lambda: migrate(url, scripts[1]))),
                Row(f"ADD COLUMN, metadata lock held {HOLD_SECONDS:g} s", *under_load(
                    wrk_binary, api, args.seconds, lambda: _behind_lock(server, url, scripts[2]))),
            ]  # fmt: skip
        finally:
            api.stop()
            server.stop()
    print(
        f"## Traffic during a migration ({environment_line()}; POST /info at {CONNECTIONS} "
        f"connections for {args.seconds:g} s a row, the migration starting {LEAD_SECONDS:g} s in)"
        "\n"
    )
    print(_table(results))


def _behind_lock(server: ThrowawayServer, url: str, scripts: Path) -> str:
    """A report that read the table and stays in its transaction for HOLD_SECONDS."""
    report = server.admin_connection("bench")
    report.autocommit(False)
    with report.cursor() as cursor:
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT id FROM some_infos ORDER BY id LIMIT 1")

    def release() -> None:
        time.sleep(HOLD_SECONDS)
        report.rollback()
        report.close()

    return migrate(url, scripts, before_exit=release)


def _table(results: list[Row]) -> str:
    baseline_p99 = results[0].load.p99_ms
    rows = []
    for index, row in enumerate(results):
        target, met = "0 errors", row.load.errors == 0
        if index == 1:
            limit = baseline_p99 * TARGET_P99_RATIO_ADD_COLUMN
            target += f", p99 ≤ {TARGET_P99_RATIO_ADD_COLUMN:g}x no migration ({limit:.1f} ms)"
            met = met and row.load.p99_ms <= limit
        if index == 3:
            target += f", worst ≤ {TARGET_WORST_MS_UNDER_LOCK / 1000:g} s"
            met = met and row.load.max_ms <= TARGET_WORST_MS_UNDER_LOCK
        rows.append(
            [
                row.situation,
                f"{row.load.per_second:.0f}",
                f"{row.load.p99_ms:.1f}",
                f"{row.load.max_ms:.0f}",
                str(row.load.errors),
                row.migrator,
                target,
                "yes" if met else "**NOT MET**",
            ]
        )
    header = ["situation", "req/s", "p99 ms", "worst ms", "errors", "migrator", "target", "met"]
    return markdown_table(header, rows)


if __name__ == "__main__":
    main()
