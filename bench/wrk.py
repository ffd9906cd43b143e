"""wrk driving POST /info with bench/post_info.lua, read back as a LoadResult."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.ceiling import LoadResult

LUA = Path(__file__).with_name("post_info.lua")


def wrk_command(wrk_binary: str, base: str, connections: int, seconds: float) -> list[str]:
    return [wrk_binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "10s", "-s", str(LUA), f"{base}/info"]  # fmt: skip


def parse_result(out: str) -> tuple[LoadResult, int]:
    """The load, and how many 2xx answers wrk read."""
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, duration_us, created, p50_us, p99_us, max_us, socket_errors, status_errors = map(
        int, line.split()[1:]
    )
    result = LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        max_ms=max_us / 1000,
        errors=socket_errors + status_errors,
    )
    return result, created


def wrk(wrk_binary: str, base: str, connections: int, seconds: float) -> tuple[LoadResult, int]:
    command = wrk_command(wrk_binary, base, connections, seconds)
    return parse_result(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
