"""A short run of `make bench`'s API benchmark, so that it keeps working (no figures judged)."""

from __future__ import annotations

import subprocess
import sys

from core.settings import PROJECT_ROOT
from harness.debian import MissingToolError, ensure_binary


def test_api_benchmark_smoke_run_prints_its_table_and_checks_writes() -> None:
    try:
        ensure_binary("wrk", "wrk")
    except MissingToolError as exc:
        raise AssertionError(str(exc)) from None

    run = subprocess.run(
        [sys.executable, "-m", "bench.api", "--smoke"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert "| connections | API req/s |" in run.stdout
    assert "writes checked:" in run.stdout
    assert "cold start" in run.stdout
