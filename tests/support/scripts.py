"""The test revisions in tests/support/revisions/, by file name."""

from __future__ import annotations

from pathlib import Path

from harness import scripts

REVISIONS = Path(__file__).parent / "revisions"


def scripts_with(tmp_path: Path, *names: str) -> Path:
    """A copy of this project's alembic/ with the named test revisions added."""
    return scripts.script_copy_with(tmp_path, *(REVISIONS / name for name in names))


def add_test_revision(script_location: Path, name: str) -> None:
    """Add (or replace, by number) one named test revision in a copy made by scripts_with."""
    scripts.add_revision(script_location, REVISIONS / name)
