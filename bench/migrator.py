"""Migrator benchmark: a no-op `migrate upgrade` against plain `alembic upgrade head`, and the
delay from the database accepting connections to the migrator exiting, side by side in one run.

    uv run python -m bench.migrator [--runs 7]

The measures take the server and the project as arguments: bench.postgres_traffic runs them on
PostgreSQL with a stock `alembic init` project.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

from bench.report import environment_line, markdown_table
from core.settings import PROJECT_ROOT
from harness.migrator_process import migrator_env
from harness.servers import new_database, started_server

MIGRATE = [sys.executable, "-m", "migrator", "upgrade"]
TARGET_RATIO = 1.2
TARGET_WAKE_SECONDS = 0.5


class RestartableServer(Protocol):
    def stop(self) -> None: ...

    def start_in_background(self) -> None: ...

    def first_accept(self, timeout: float = 60) -> float:
        """Poll as the app user until the server accepts a login; return that moment."""
        ...


def alembic_upgrade_head(alembic_ini: Path) -> list[str]:
    return [sys.executable, "-m", "alembic", "-c", str(alembic_ini), "upgrade", "head"]


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def noop_upgrade(
    env: dict[str, str], alembic_ini: Path, runs: int
) -> tuple[list[float], list[float]]:
    """The runner and plain Alembic on the project of `env` (the migrator's) and `alembic_ini`."""
    alembic = alembic_upgrade_head(alembic_ini)
    subprocess.run(MIGRATE, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # interleaved, so machine noise hits both alike
        ours.append(_timed(MIGRATE, env))
        plain.append(_timed(alembic, env))
    return ours, plain


def start_delay(server: RestartableServer, env: dict[str, str], runs: int) -> list[float]:
    delays = []
    for run in range(runs):
        server.stop()
        migrator = subprocess.Popen(
            MIGRATE, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(1.0 + 0.37 * run)  # the server comes up at varying points of the backoff
        server.start_in_background()
        accepted = server.first_accept()
        if migrator.wait(timeout=60) != 0:
            raise RuntimeError("the migrator failed")
        delays.append(time.monotonic() - accepted)
        server.stop()
    return delays


def migrator_table(
    server: RestartableServer, env: dict[str, str], alembic_ini: Path, runs: int
) -> str:
    """Both measures on `server` (left stopped), as one Markdown table."""
    ours, plain = noop_upgrade(env, alembic_ini, runs)
    delays = start_delay(server, env, runs)
    ratio = statistics.median(ours) / statistics.median(plain)
    wake = statistics.median(delays)
    return markdown_table(
        ["measure", "median", "min", "max", "target", "met"],
        [
            ["no-op `migrate upgrade` (s)", *_stats(ours), "", ""],
            ["no-op `alembic upgrade head` (s)", *_stats(plain), "", ""],
            ["ratio migrate/alembic", f"{ratio:.2f}", "", "", f"≤ {TARGET_RATIO:.2f}",
             _yes(ratio <= TARGET_RATIO)],
            ["database accepting → migrator exited (s)", *_stats(delays),
             f"< {TARGET_WAKE_SECONDS:.2f}", _yes(wake < TARGET_WAKE_SECONDS)],
        ],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = started_server(Path(tmp) / "mysql")
        url = new_database(server, migrate=False)
        table = migrator_table(server, migrator_env(url), PROJECT_ROOT / "alembic.ini", args.runs)
    print(f"## Migrator ({environment_line()}, {args.runs} runs each)\n")
    print(table)


def _stats(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.3f}", f"{min(values):.3f}", f"{max(values):.3f}"]


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
