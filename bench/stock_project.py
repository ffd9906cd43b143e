"""A stock Alembic project for the PostgreSQL benchmarks: what `alembic init` writes (its env.py
reads the URL from alembic.ini), with bench/revisions/postgres/, copied once per database.

Plain `alembic upgrade head` reads the ini's URL; the runner gets the same project through
ALEMBIC_SCRIPT_LOCATION and MIGRATOR_ALEMBIC_INI and replaces that URL by DATABASE_URL.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REVISIONS = Path(__file__).with_name("revisions") / "postgres"
_STOCK_URL = "sqlalchemy.url = driver://user:pass@localhost/dbname"


@dataclass(frozen=True)
class StockProject:
    root: Path

    @property
    def ini(self) -> Path:
        return self.root / "alembic.ini"

    @property
    def settings(self) -> dict[str, str]:
        """The runner's settings besides DATABASE_URL, as the project's users would set them."""
        return {
            "alembic_script_location": str(self.root / "migrations"),
            "migrator_alembic_ini": str(self.ini),
        }

    def copy_for(self, directory: Path, url: str) -> StockProject:
        """A copy whose alembic.ini names the database at `url`."""
        shutil.copytree(self.root, directory, ignore=shutil.ignore_patterns("__pycache__"))
        copy = StockProject(directory)
        text = copy.ini.read_text(encoding="utf-8")
        if _STOCK_URL not in text:
            raise RuntimeError(f"alembic init wrote no {_STOCK_URL!r} line in {copy.ini}")
        # configparser interpolates %: a URL-quoted password keeps its percent signs doubled.
        line = "sqlalchemy.url = " + url.replace("%", "%%")
        copy.ini.write_text(text.replace(_STOCK_URL, line), encoding="utf-8")
        return copy


def init_project(directory: Path) -> StockProject:
    """`alembic init migrations` in `directory` (Alembic's generic template), and our revisions."""
    directory.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "alembic", "init", "migrations"],
        cwd=directory, check=True, capture_output=True,
    )  # fmt: skip
    for revision in sorted(REVISIONS.glob("*.py")):
        shutil.copy(revision, directory / "migrations" / "versions" / revision.name)
    return StockProject(directory)
