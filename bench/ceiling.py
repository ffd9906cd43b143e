"""The driver's ceiling: PyMySQL single-row INSERT + COMMIT at a given concurrency, no HTTP.

Connections are spread over as many processes as there are cores, threads within each, the
way the API spreads requests over gunicorn workers and their threads.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import cast

import pymysql
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def _connect(url: str) -> pymysql.Connection:
    parts = make_url(url)
    return pymysql.connect(
        host=parts.host,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password,
        database=parts.database,
        charset="utf8mb4",
    )


def _worker(url: str, threads: int, seconds: float, out: multiprocessing.Queue[object]) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        connection = _connect(url)
        mine: list[float] = []
        failed = 0
        start.wait()
        deadline = time.perf_counter() + seconds
        with connection.cursor() as cursor:
            while (began := time.perf_counter()) < deadline:
                try:
                    cursor.execute("INSERT INTO some_infos (`desc`) VALUES (%s)", ("hoge",))
                    connection.commit()
                except pymysql.err.Error:
                    failed += 1
                    continue
                mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((latencies, errors[0]))


def ceiling(url: str, connections: int, seconds: float) -> LoadResult:
    processes = min(connections, os.cpu_count() or 1)
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    queue: multiprocessing.Queue[object] = multiprocessing.Queue()
    started = time.perf_counter()
    children = [
        multiprocessing.Process(target=_worker, args=(url, share, seconds, queue))
        for share in shares
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    errors = 0
    for _ in children:
        batch = cast(tuple[list[float], int], queue.get())
        latencies.extend(batch[0])
        errors += batch[1]
    for child in children:
        child.join()
    elapsed = min(time.perf_counter() - started, seconds)
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] if latencies else float("nan")) * 1000,
        errors=errors,
    )
