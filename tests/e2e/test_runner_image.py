"""The generic runner image for projects we never saw: a sample project mounted at a path runs
with exit 0, and this project's Dockerfile.migrate builds on that image (FROM it, COPY)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from core.settings import PROJECT_ROOT
from tests.e2e.compose import ComposeProject

SAMPLES = PROJECT_ROOT / "tests" / "sample_projects"
ROOT_PASSWORD = "e2e-root-pw"


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=900
    )


class Database:
    """A mysql:8.4 container on a network of its own."""

    def __init__(self) -> None:
        self.name = f"e2e-runner-db-{uuid.uuid4().hex[:8]}"
        self.network = f"{self.name}-net"
        _docker("network", "create", self.network)
        _docker(
            "run", "--detach", "--name", self.name, "--network", self.network,
            "--env", f"MYSQL_ROOT_PASSWORD={ROOT_PASSWORD}", "mysql:8.4",
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while self.sql("SELECT 1", check=False).returncode != 0:
            assert time.monotonic() < deadline, _docker("logs", self.name).stderr[-3000:]
            time.sleep(1)

    def sql(self, statement: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _docker(
            "exec", "-e", f"MYSQL_PWD={ROOT_PASSWORD}", self.name,
            "mysql", "--protocol=tcp", "-h127.0.0.1", "-uroot", "-e", statement, check=check,
        )  # fmt: skip

    def url(self, database: str) -> str:
        self.sql(f"CREATE DATABASE {database}")
        return f"mysql+pymysql://root:{ROOT_PASSWORD}@{self.name}:3306/{database}"

    def remove(self) -> None:
        _docker("rm", "--force", "--volumes", self.name, check=False)
        _docker("network", "rm", self.network, check=False)


@pytest.fixture(scope="module")
def database(compose_project: ComposeProject) -> Iterator[Database]:
    # compose_project: the engine check of the e2e suite (it fails in one line without one).
    db = Database()
    try:
        yield db
    finally:
        db.remove()


@pytest.fixture(scope="module")
def runner_image(compose_project: ComposeProject) -> str:
    tag = f"safe-migrator:e2e-{uuid.uuid4().hex[:8]}"
    python = compose_project.env["PYTHON_VERSION"]
    _docker(
        "build", "--quiet", "--build-arg", f"PYTHON_VERSION={python}",
        "--file", str(PROJECT_ROOT / "migrator" / "Dockerfile"), "--tag", tag, str(PROJECT_ROOT),
    )  # fmt: skip
    return tag


def _run(
    image: str, database: Database, url: str, *options: str
) -> subprocess.CompletedProcess[str]:
    return _docker(
        "run", "--rm", "--network", database.network, "--env", f"DATABASE_URL={url}",
        *options, image, "upgrade", check=False,
    )  # fmt: skip


def test_a_mounted_sample_project_upgrades_with_exit_0(
    runner_image: str, database: Database
) -> None:
    project = SAMPLES / "stock"

    result = _run(
        runner_image, database, database.url("blog"),
        "--volume", f"{project}:/project:ro",
        "--env", "ALEMBIC_SCRIPT_LOCATION=/project/migrations",
        "--env", "MIGRATOR_ALEMBIC_INI=/project/alembic.ini",
    )  # fmt: skip
    tables = database.sql("SHOW TABLES FROM blog").stdout

    assert result.returncode == 0, result.stderr[-3000:]
    assert "upgrade ok" in result.stderr
    assert {"authors", "posts", "tags", "post_tags", "migrator_history"} <= set(tables.split())


def test_this_projects_image_is_the_runner_image_plus_its_revisions(
    runner_image: str, database: Database
) -> None:
    ours = f"info-service-migrate:{runner_image.split(':')[1]}"
    _docker(
        "build", "--quiet", "--build-arg", f"MIGRATOR_IMAGE={runner_image}",
        "--file", str(PROJECT_ROOT / "Dockerfile.migrate"), "--tag", ours, str(PROJECT_ROOT),
    )  # fmt: skip
    try:
        result = _run(ours, database, database.url("app"))
        web = _docker(
            "run", "--rm", "--entrypoint", "python", ours, "-c", "import fastapi", check=False
        )
    finally:
        _docker("image", "rm", ours, check=False)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "0001" in database.sql("SELECT version_num FROM app.alembic_version").stdout
    assert web.returncode != 0  # the runner image carries no web stack
