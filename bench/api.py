"""API benchmark: POST /info through gunicorn + uvicorn workers, driven by wrk, against the
driver's ceiling measured in the same run on the same server.

    uv run python -m bench.api [--seconds 10] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from api.settings import Settings
from bench.ceiling import LoadResult, ceiling
from bench.report import environment_line, markdown_table
from migrator import commands
from tests.support.api_process import ApiProcess, rss_kib
from tests.support.db import count_rows
from tests.support.debian import ensure_binary
from tests.support.mysql_server import ThrowawayServer

LUA = Path(__file__).with_name("post_info.lua")
TARGET_CONNECTIONS = 32
TARGET_RATIO = 0.33
TARGET_P99_MS = 75.0


def wrk(wrk_binary: str, base: str, connections: int, seconds: float) -> tuple[LoadResult, int]:
    out = subprocess.run(
        [wrk_binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(LUA), f"{base}/info"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, duration_us, created, p50_us, p99_us, errors = map(int, line.split()[1:])
    result = LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        errors=errors + (requests - created),
    )
    return result, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write-threads", type=int, default=Settings().db_write_threads)
    parser.add_argument("--smoke", action="store_true", help="one short round, no targets")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.connections = 2.0, [8]
    wrk_binary = ensure_binary("wrk", "wrk")

    with tempfile.TemporaryDirectory() as tmp:
        server = ThrowawayServer(Path(tmp) / "mysql")
        server.start()
        server.create_app_user()
        api_url = server.url(server.create_database())
        ceiling_url = server.url(server.create_database())
        for url in (api_url, ceiling_url):
            commands.upgrade(Settings(database_url=url))

        api = ApiProcess(
            api_url,
            Path(tmp) / "gunicorn.log",
            web_concurrency=args.workers,
            db_write_threads=args.write_threads,
        )
        try:
            cold_start = api.wait_until("/readyz")
            wrk(wrk_binary, api.base, 8, 1.0 if args.smoke else 3.0)  # warm-up
            rows = []
            writes: list[tuple[int, int, int]] = []  # (connections, 2xx answers, rows added)
            for connections in args.connections:
                before = count_rows(api_url)
                served, created = wrk(wrk_binary, api.base, connections, args.seconds)
                writes.append((connections, created, count_rows(api_url) - before))
                driver = ceiling(ceiling_url, connections, args.seconds)
                rows.append((connections, served, driver))
            rss = [rss_kib(pid) / 1024 for pid in api.worker_pids()]
        finally:
            api.stop()
        server.stop()

    print(
        f"## API: POST /info ({environment_line()}, "
        f"{args.workers} workers, {args.write_threads} writer threads each)\n"
    )
    print(
        markdown_table(
            [
                "connections",
                "API req/s",
                "API p50 ms",
                "API p99 ms",
                "API errors",
                "ceiling req/s",
                "ceiling p50 ms",
                "ceiling p99 ms",
                "API/ceiling",
            ],
            [
                [
                    str(c),
                    f"{a.per_second:.0f}",
                    f"{a.p50_ms:.1f}",
                    f"{a.p99_ms:.1f}",
                    str(a.errors),
                    f"{d.per_second:.0f}",
                    f"{d.p50_ms:.1f}",
                    f"{d.p99_ms:.1f}",
                    f"{a.per_second / d.per_second:.2f}",
                ]
                for c, a, d in rows
            ],
        )
    )
    print(
        f"\ncold start (process start → first 200 on /readyz): {cold_start:.2f} s; "
        f"resident memory per worker after the run: "
        f"{', '.join(f'{mib:.0f} MiB' for mib in rss)} (median {statistics.median(rss):.0f})"
    )
    print(_check_writes(writes))
    if not args.smoke:
        _check_targets(rows)


def _check_writes(writes: list[tuple[int, int, int]]) -> str:
    """Every 2xx is a stored row; the only rows without a 2xx are the requests still in flight
    when wrk stopped (it closes its connections without reading those answers): at most one
    per connection."""
    lines = []
    for connections, answered, added in writes:
        unanswered = added - answered
        if not 0 <= unanswered <= connections:
            raise SystemExit(
                f"lost or phantom writes at {connections} connections: "
                f"{answered} answered 2xx, {added} rows added"
            )
        lines.append(
            f"{connections} connections: {added} rows added = {answered} answered 2xx "
            f"+ {unanswered} cut off in flight (≤ {connections})"
        )
    return "writes checked: " + "; ".join(lines)


def _check_targets(rows: list[tuple[int, LoadResult, LoadResult]]) -> None:
    for connections, served, driver in rows:
        if connections != TARGET_CONNECTIONS:
            continue
        ratio = served.per_second / driver.per_second
        met = ratio >= TARGET_RATIO and served.p99_ms < TARGET_P99_MS and served.errors == 0
        print(
            f"targets at {connections} connections: ratio {ratio:.2f} (≥ {TARGET_RATIO}), "
            f"p99 {served.p99_ms:.1f} ms (< {TARGET_P99_MS:.0f}), errors {served.errors} (0): "
            f"{'met' if met else 'NOT MET'}"
        )


if __name__ == "__main__":
    main()
