"""Alembic script directories for tests and benchmarks: the project's own, plus extra revisions."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.settings import PROJECT_ROOT

# An additive revision (a nullable column on some_infos) for the benchmarks and make k8s-e2e.
ADD_NOTES_COLUMN = Path(__file__).parent / "revisions" / "0002_add_notes_column.py"


def script_copy_with(tmp_path: Path, *revision_files: Path) -> Path:
    """Copy alembic/ to tmp_path and add the given revision files."""
    target = tmp_path / "alembic"
    shutil.copytree(PROJECT_ROOT / "alembic", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in revision_files:
        add_revision(target, path)
    return target


def add_revision(script_location: Path, path: Path) -> None:
    """Adding a revision replaces any other of the same number ("0002_...") already there."""
    versions = script_location / "versions"
    number = path.name.split("_", 1)[0]
    for existing in versions.glob(f"{number}_*.py"):
        existing.unlink()
    shutil.copy(path, versions / path.name)
