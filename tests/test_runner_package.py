"""The runner is a package of its own: installed alone in a fresh virtual environment (no
application code, no web stack), its `migrate` upgrades each sample project from empty."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from harness.db import version_in
from migrator.exit_codes import OK
from tests.test_sample_projects import PROJECTS, SampleProject, database_for, revisions_of

RUNNER_PACKAGE = PROJECT_ROOT / "migrator"
_NOT_INHERITED = ("DB_", "DATABASE_URL", "MIGRATOR_", "ALEMBIC_", "PYTHON", "VIRTUAL_ENV")
_APPLICATION = ("core", "api", "fastapi")


@pytest.fixture(scope="module")
def runner_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding the runner package (with its driver extras) and nothing else;
    its `migrate` script."""
    uv = shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")
    venv = tmp_path_factory.mktemp("runner-only") / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         f"{RUNNER_PACKAGE}[mysql,postgresql,async]"],
        check=True,
    )  # fmt: skip
    return venv / "bin" / "migrate"


def _clean_env(url: str, project: SampleProject) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DB_", "DATABASE_URL", "MIGRATOR_", "ALEMBIC_", "PYTHON", "VIRTUAL_ENV")
        )
    }
    env["DATABASE_URL"] = project.url(url)
    env.update({key.upper(): str(value) for key, value in project.settings.items()})
    return env


def test_nothing_of_the_application_is_installed(runner_only: Path, tmp_path: Path) -> None:
    python = runner_only.parent / "python"
    probe = f"import importlib.util as u; print([m for m in {_APPLICATION} if u.find_spec(m)])"

    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True
    )

    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_the_runner_alone_upgrades_each_sample_project(
    runner_only: Path, project: SampleProject, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = database_for(project, request)

    result = subprocess.run(
        [str(runner_only), "upgrade"],
        env=_clean_env(url, project),
        cwd=tmp_path,  # not this repository: nothing of it on the path
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == OK, result.stderr
    assert version_in(url) == [revisions_of(project)[-1]]
