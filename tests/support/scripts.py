"""Test-only Alembic script directories: the project's own, plus chosen extra revisions."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.settings import PROJECT_ROOT

REVISIONS = Path(__file__).parent / "revisions"


def script_copy_with(tmp_path: Path, *revision_files: str) -> Path:
    """Copy alembic/ to tmp_path and add the named files from tests/support/revisions/."""
    target = tmp_path / "alembic"
    shutil.copytree(PROJECT_ROOT / "alembic", target, ignore=shutil.ignore_patterns("__pycache__"))
    for name in revision_files:
        add_revision(target, name)
    return target


def add_revision(script_location: Path, name: str) -> None:
    """Each test revision is "0002"; adding one replaces any other 0002 already there."""
    versions = script_location / "versions"
    for existing in versions.glob("0002_*.py"):
        existing.unlink()
    shutil.copy(REVISIONS / name, versions / name)
