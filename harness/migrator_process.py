"""Run the migrator as production does: a separate process, configured by its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT


def migrator_env(database_url: str, **settings: object) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATABASE_URL", "MIGRATOR_", "ALEMBIC_", "LOG_"))
    }
    env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def start_migrator(
    database_url: str, *args: str, cwd: Path | None = None, nice: int = 0, **settings: object
) -> subprocess.Popen[str]:
    """`nice`: a lower CPU priority, standing in for the container it has in production."""
    prefix = ["nice", "-n", str(nice)] if nice else []
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "migrator", *args],
        env=migrator_env(database_url, **settings),
        cwd=cwd or PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_migrator(
    database_url: str, *args: str, cwd: Path | None = None, timeout: float = 120, **settings: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        env=migrator_env(database_url, **settings),
        cwd=cwd or PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
