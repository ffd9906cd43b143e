"""Shared pieces of the benchmark reports: the machine line and Markdown tables."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version


def server_version() -> str:
    for binary in ("mariadbd", "mysqld"):
        try:
            out = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        return out.split(" Ver ")[-1].split(" for ")[0].strip()
    return "unknown"


def environment_line(server: str | None = None, driver: str = "pymysql") -> str:
    """The machine, the server (the local MySQL-compatible binary's unless given) and the
    packages that talk to it."""
    packages = ", ".join(f"{name} {version(name)}" for name in ("sqlalchemy", "alembic", driver))
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"server {server or server_version()}, {packages}"
    )


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
