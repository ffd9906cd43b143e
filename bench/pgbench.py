"""pgbench as a write load on PostgreSQL: single-row UPDATEs of random rows, read back from its
per-transaction log as a LoadResult.

pgbench (PostgreSQL's own) rather than a Python client: its clients cost the machine little,
and `--log` records every transaction's latency, so the worst one is measured, not sampled.

At a fixed rate (`--rate`), well below what the server can take: unthrottled, 8 clients keep
both cores busy, and a migration's start-up (over a second of CPU for its imports) would then
take seconds and decide when its ALTER begins to queue. Under `--rate` pgbench counts a
transaction's latency from its scheduled start, so writes that arrive while others are stuck
are counted as waiting too, as an application's requests would be (no coordinated omission).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.ceiling import LoadResult, percentile
from harness.postgres_server import postgres_bin_dir

CLIENTS = 8
THREADS = 2
RATE = 1000  # transactions per second, over all clients
# PostgreSQL 15's summary line; a client that meets any other error aborts, and says so.
_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.MULTILINE)
_ABORTED = re.compile(r"client \d+ (?:script \d+ )?aborted")


@dataclass(frozen=True)
class WriteLoad:
    """A running pgbench and where its log goes."""

    process: subprocess.Popen[str]
    log_prefix: Path
    seconds: float


def update_script(directory: Path, table: str, rows: int) -> Path:
    """A transaction: one UPDATE of a random row of `table` (ids 1..rows)."""
    script = directory / "update_random_row.sql"
    script.write_text(
        f"\\set id random(1, {rows})\nUPDATE {table} SET hits = hits + 1 WHERE id = :id;\n",
        encoding="utf-8",
    )
    return script


def start_writes(url: str, script: Path, seconds: float, log_prefix: Path) -> WriteLoad:
    """pgbench as the app user over TCP, as an application connects."""
    parts = make_url(url)
    command = [
        str(postgres_bin_dir() / "pgbench"), "--no-vacuum", f"--file={script}",
        f"--client={CLIENTS}", f"--jobs={THREADS}", f"--rate={RATE}",
        f"--time={max(1, round(seconds))}",
        "--log", f"--log-prefix={log_prefix}", f"--host={parts.host}", f"--port={parts.port}",
        f"--username={parts.username}", str(parts.database),
    ]  # fmt: skip
    env = {**os.environ, "PGPASSWORD": str(parts.password)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return WriteLoad(process, log_prefix, seconds)


def finish(load: WriteLoad) -> LoadResult:
    """Wait for pgbench; errors are its failed transactions and its aborted clients (a client
    that meets an error it does not retry stops there, and pgbench then exits with 2)."""
    out, _ = load.process.communicate(timeout=load.seconds + 120)
    latencies_us: list[float] = []
    failed_in_log = 0
    # One file per thread: <prefix>.<pid> and <prefix>.<pid>.<thread>.
    for path in load.log_prefix.parent.glob(f"{load.log_prefix.name}.*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            # client_id transaction_no time script_no time_epoch time_us [...]
            latency = line.split()[2]
            if latency.isdigit():
                latencies_us.append(float(latency))
            elif latency == "failed":
                failed_in_log += 1
    failed = sum(int(count) for count in _FAILED.findall(out))
    aborted = len(_ABORTED.findall(out))
    if load.process.returncode not in (0, 2) or not latencies_us:
        raise RuntimeError(f"pgbench exited with {load.process.returncode}: {out[-2000:]}")
    latencies_us.sort()
    return LoadResult(
        requests=len(latencies_us),
        seconds=load.seconds,
        p50_ms=percentile(latencies_us, 0.50) / 1000,
        p99_ms=percentile(latencies_us, 0.99) / 1000,
        max_ms=latencies_us[-1] / 1000,
        errors=max(failed, failed_in_log) + aborted,
    )
