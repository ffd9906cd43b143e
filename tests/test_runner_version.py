"""Which runner is running: `migrate --version` and every run's first log line name the version
the installed package's metadata has."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

from harness.migrator_process import run_migrator

VERSION = importlib.metadata.version("safe-migrator")


def test_version_prints_the_package_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "migrator", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"migrate {VERSION}"


def test_every_run_begins_by_naming_the_version(sqlite_url: str) -> None:
    ok = run_migrator(sqlite_url, "current")
    refused = run_migrator("not a url", "current")

    for result in (ok, refused):
        first = result.stderr.splitlines()[0]
        assert f"safe-migrator {VERSION}: migrate current" in first, result.stderr
