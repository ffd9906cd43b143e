"""The test revisions in tests/support/revisions/, by file name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from harness import scripts

REVISIONS = Path(__file__).parent / "revisions"


def scripts_with(tmp_path: Path, *names: str) -> Path:
    """A copy of this project's alembic/ with the named test revisions added."""
    return scripts.script_copy_with(tmp_path, *(REVISIONS / name for name in names))


def add_test_revision(script_location: Path, name: str) -> None:
    """Add (or replace, by number) one named test revision in a copy made by scripts_with."""
    scripts.add_revision(script_location, REVISIONS / name)


def write_revision(
    versions: Path, revision: str, down: str | tuple[str, ...] | None, upgrade: str = "pass"
) -> None:
    """A revision file `<revision>.py` in `versions`, its upgrade() the given lines."""
    (versions / f"{revision}.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {revision!r}\ndown_revision = {down!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{textwrap.indent(textwrap.dedent(upgrade).strip(), '    ')}\n",
        encoding="utf-8",
    )


def versions_folder(tmp_path: Path) -> Path:
    """An empty script directory's versions/ (its parent is the script location)."""
    versions = tmp_path / "scripts" / "versions"
    versions.mkdir(parents=True)
    return versions
