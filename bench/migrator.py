"""Migrator benchmark: a no-op `migrate upgrade` against plain `alembic upgrade head`, and the
delay from the database accepting connections to the migrator exiting, side by side in one run.

    uv run python -m bench.migrator [--runs 7]
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

from bench.report import environment_line, markdown_table
from core.settings import PROJECT_ROOT
from harness.migrator_process import migrator_env
from harness.mysql_server import ThrowawayServer
from harness.servers import new_database, started_server


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def noop_upgrade(url: str, runs: int) -> tuple[list[float], list[float]]:
    env = migrator_env(url)
    migrate = [sys.executable, "-m", "migrator", "upgrade"]
    alembic = [
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(PROJECT_ROOT / "alembic.ini"),
        "upgrade",
        "head",
    ]
    subprocess.run(migrate, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # interleaved, so machine noise hits both alike
        ours.append(_timed(migrate, env))
        plain.append(_timed(alembic, env))
    return ours, plain


def start_delay(server: ThrowawayServer, url: str, runs: int) -> list[float]:
    delays = []
    for run in range(runs):
        server.stop()
        migrator = subprocess.Popen(
            [sys.executable, "-m", "migrator", "upgrade"],
            env=migrator_env(url),
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0 + 0.37 * run)  # the server comes up at varying points of the backoff
        server.start_in_background()
        accepted = server.first_accept()
        if migrator.wait(timeout=60) != 0:
            raise RuntimeError("the migrator failed")
        delays.append(time.monotonic() - accepted)
        server.stop()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = started_server(Path(tmp) / "mysql")
        url = new_database(server, migrate=False)
        ours, plain = noop_upgrade(url, args.runs)
        delays = start_delay(server, url, args.runs)
        server.stop()
    ratio = statistics.median(ours) / statistics.median(plain)
    print(f"## Migrator ({environment_line()}, {args.runs} runs each)\n")
    print(
        markdown_table(
            ["measure", "median", "min", "max", "target", "met"],
            [
                ["no-op `migrate upgrade` (s)", *_stats(ours), "", ""],
                ["no-op `alembic upgrade head` (s)", *_stats(plain), "", ""],
                ["ratio migrate/alembic", f"{ratio:.2f}", "", "", "≤ 1.20", _yes(ratio <= 1.2)],
                [
                    "database accepting → migrator exited (s)",
                    *_stats(delays),
                    "< 0.50",
                    _yes(statistics.median(delays) < 0.5),
                ],
            ],
        )
    )


def _stats(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.3f}", f"{min(values):.3f}", f"{max(values):.3f}"]


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
