"""API benchmark: POST /info through gunicorn + uvicorn workers, driven by wrk, against the
driver's ceiling measured in the same run on the same server.

Each concurrency runs several rounds, alternating the API (metrics on, as it ships), the same
API with METRICS_ENABLED=false, and the ceiling; the table shows the medians: this machine is
shared and noisy.

    uv run python -m bench.api [--seconds 5] [--rounds 3] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling import LoadResult, ceiling
from bench.report import environment_line, markdown_table
from bench.wrk import wrk
from core.settings import Settings
from harness.api_process import ApiProcess, rss_kib
from harness.db import count_rows
from harness.debian import ensure_binary
from harness.servers import new_database, started_server

TARGET_CONNECTIONS = 32
TARGET_RATIO = 0.33
TARGET_P99_MS = 75.0


@dataclass(frozen=True)
class Round:
    api: LoadResult
    bare: LoadResult  # the API without metrics
    driver: LoadResult
    answered: int  # 2xx answers wrk read
    added: int  # rows the API inserted meanwhile

    @property
    def ratio(self) -> float:
        return self.api.per_second / self.driver.per_second

    @property
    def bare_ratio(self) -> float:
        return self.bare.per_second / self.driver.per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--workers", type=int, default=Settings().web_concurrency)
    parser.add_argument("--write-threads", type=int, default=Settings().db_write_threads)
    parser.add_argument("--smoke", action="store_true", help="one short round, no targets")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds, args.connections = 2.0, 1, [8]
    wrk_binary = ensure_binary("wrk", "wrk")

    with tempfile.TemporaryDirectory() as tmp:
        server = started_server(Path(tmp) / "mysql")
        api_url, bare_url, ceiling_url = (new_database(server) for _ in range(3))
        tuning = {"web_concurrency": args.workers, "db_write_threads": args.write_threads}
        api = ApiProcess(api_url, Path(tmp) / "gunicorn.log", **tuning)
        bare = ApiProcess(bare_url, Path(tmp) / "bare.log", metrics_enabled=False, **tuning)
        try:
            cold_start = api.wait_until("/readyz")
            bare.wait_until("/readyz")
            for process in (api, bare):  # warm-up
                wrk(wrk_binary, process.base, 8, 1.0 if args.smoke else 3.0)
            results: dict[int, list[Round]] = {}
            for connections in args.connections:
                for _ in range(args.rounds):
                    before = count_rows(api_url)
                    served, answered = wrk(wrk_binary, api.base, connections, args.seconds)
                    added = count_rows(api_url) - before
                    without, _ = wrk(wrk_binary, bare.base, connections, args.seconds)
                    driver = ceiling(ceiling_url, connections, args.seconds)
                    results.setdefault(connections, []).append(
                        Round(served, without, driver, answered, added)
                    )
            rss = [rss_kib(pid) / 1024 for pid in api.worker_pids()]
        finally:
            api.stop()
            bare.stop()
        server.stop()

    print(
        f"## API: POST /info ({environment_line()}; {args.workers} workers, "
        f"{args.write_threads} writer threads each; median of {args.rounds} rounds of "
        f"{args.seconds:g} s)\n"
    )
    print(_table(results))
    print(
        f"\ncold start (process start → first 200 on /readyz): {cold_start:.2f} s; "
        f"resident memory per worker after the run: "
        f"{', '.join(f'{mib:.0f} MiB' for mib in rss)}"
    )
    print(_check_writes(results))
    if not args.smoke:
        print(_check_targets(results))


def _median(rounds: list[Round], value: str) -> float:
    return statistics.median(_pick(r, value) for r in rounds)


def _pick(one: Round, value: str) -> float:
    side, _, field = value.partition(".")
    if side == "ratio":
        return one.ratio
    if side == "bare_ratio":
        return one.bare_ratio
    return float(getattr(getattr(one, side), field))


def _table(results: dict[int, list[Round]]) -> str:
    header = ["connections", "API req/s", "API p50 ms", "API p99 ms", "API errors",
              "ceiling req/s", "ceiling p50 ms", "ceiling p99 ms", "API/ceiling",
              "no metrics: req/s", "no metrics: API/ceiling"]  # fmt: skip
    rows = []
    for connections, rounds in results.items():
        rows.append(
            [
                str(connections),
                f"{_median(rounds, 'api.per_second'):.0f}",
                f"{_median(rounds, 'api.p50_ms'):.1f}",
                f"{_median(rounds, 'api.p99_ms'):.1f}",
                str(sum(r.api.errors for r in rounds)),
                f"{_median(rounds, 'driver.per_second'):.0f}",
                f"{_median(rounds, 'driver.p50_ms'):.1f}",
                f"{_median(rounds, 'driver.p99_ms'):.1f}",
                f"{_median(rounds, 'ratio'):.2f}",
                f"{_median(rounds, 'bare.per_second'):.0f}",
                f"{_median(rounds, 'bare_ratio'):.2f}",
            ]
        )
    return markdown_table(header, rows)


def _check_writes(results: dict[int, list[Round]]) -> str:
    """Every 2xx is a stored row; the only rows without a 2xx are the requests still in flight
    when wrk stopped (it closes its connections without reading those answers): at most one
    per connection."""
    answered = added = 0
    for connections, rounds in results.items():
        for one in rounds:
            if not 0 <= one.added - one.answered <= connections:
                raise SystemExit(
                    f"lost or phantom writes at {connections} connections: "
                    f"{one.answered} answered 2xx, {one.added} rows added"
                )
            answered += one.answered
            added += one.added
    return (
        f"writes checked: {added} rows added = {answered} answered 2xx + {added - answered} "
        "cut off in flight by wrk's stop (never more than its connections, checked per round)"
    )


def _check_targets(results: dict[int, list[Round]]) -> str:
    rounds = results.get(TARGET_CONNECTIONS)
    if not rounds:
        return f"targets: not measured ({TARGET_CONNECTIONS} connections not in this run)"
    ratio = _median(rounds, "ratio")
    p99 = _median(rounds, "api.p99_ms")
    errors = sum(r.api.errors for r in rounds)
    met = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and errors == 0
    bare = _median(rounds, "bare_ratio")
    return (
        f"targets at {TARGET_CONNECTIONS} connections, metrics on: API/ceiling {ratio:.2f} "
        f"(≥ {TARGET_RATIO}), p99 {p99:.1f} ms (< {TARGET_P99_MS:.0f}), errors {errors} (0): "
        f"{'met' if met else 'NOT MET'}; without metrics {bare:.2f} "
        f"(metrics cost {1 - ratio / bare:.0%} of the throughput)"
    )


if __name__ == "__main__":
    main()
