"""The test revisions in tests/support/revisions/, by file name."""

from __future__ import annotations

from pathlib import Path

from harness import scripts

REVISIONS = Path(__file__).parent / "revisions"


def script_copy_with(tmp_path: Path, *names: str) -> Path:
    return scripts.script_copy_with(tmp_path, *(REVISIONS / name for name in names))


def add_revision(script_location: Path, name: str) -> None:
    scripts.add_revision(script_location, REVISIONS / name)
