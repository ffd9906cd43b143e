"""Alembic projects we did not write, run by the migrator as their users would point it at them.

Three shapes found in the wild (tests/sample_projects/), each on MySQL and on PostgreSQL: the
stock `alembic init` template, the async template (an async driver in the URL: aiomysql,
asyncpg), and a Flask-Migrate-style env.py that cannot run without its application
(`MIGRATOR_ENV=builtin`: the runner never imports it). The PostgreSQL ones add what that engine
makes hard: a `CREATE INDEX CONCURRENTLY` and an `ALTER TYPE ... ADD VALUE` in autocommit
blocks, a data migration, an enum. Each upgrades from empty, applies every revision exactly once
under five runners at once, catches a revision that commits Alembic's transaction itself,
reports `current` and `history`, passes `lint --all`, and ends with the named exit
codes when the database refuses or is not there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from harness.db import version_in
from harness.migrator_process import run_migrator, start_migrator
from harness.mysql_server import APP_PASSWORD, free_port
from migrator.errors import DatabaseRejected, DatabaseUnreachable, MigrationFailed, NeedsRepair
from migrator.exit_codes import OK

SAMPLES = Path(__file__).parent / "sample_projects"
REVISIONS_PER_PROJECT = 5
RUNNERS = 5
REVISION_FILE = re.compile(r"(?P<revision>[0-9a-f]{12})_[a-z0-9_]+\.py")


@dataclass(frozen=True)
class SampleProject:
    """A project under tests/sample_projects/, how its users configure the runner, and what its
    revisions leave in the database."""

    name: str
    driver: str  # the DBAPI in the project's URL
    ini: Path | None  # the project's alembic.ini, passed as MIGRATOR_ALEMBIC_INI
    migrator_env: str | None  # MIGRATOR_ENV; None: the runner's default (env.py exists: project)
    tables: frozenset[str]
    composite_index: tuple[str, str, list[str]]  # table, index, columns
    added_nullable_column: tuple[str, str]  # table, column
    foreign_keys: tuple[str, list[str]]  # a table, and the tables its foreign keys refer to
    seeded: tuple[str, str, list[str]]  # table, column, values the data migration inserted
    engine: str = "mysql"  # the server it runs on: "mysql" or "postgresql"

    @property
    def script_location(self) -> Path:
        return SAMPLES / self.name / "migrations"

    @property
    def settings(self) -> dict[str, Any]:
        """The runner's settings besides DATABASE_URL (typed Any: they are spread into the
        harness's `**settings`, beside its typed `cwd` and `timeout`)."""
        settings: dict[str, Any] = {"alembic_script_location": str(self.script_location)}
        if self.ini is not None:
            settings["migrator_alembic_ini"] = str(self.ini)
        if self.migrator_env is not None:
            settings["migrator_env"] = self.migrator_env
        return settings

    def url(self, server_url: str) -> str:
        """The same database (the harness's PyMySQL or psycopg URL), in the URL form this
        project's users write."""
        if self.engine == "postgresql":
            return server_url.replace("postgresql+psycopg://", f"postgresql+{self.driver}://", 1)
        return server_url.replace("mysql+pymysql://", f"mysql+{self.driver}://", 1)

    def unreachable_url(self) -> str:
        """A port nothing listens on."""
        port = free_port()
        if self.engine == "postgresql":
            return f"postgresql+{self.driver}://app:{APP_PASSWORD}@127.0.0.1:{port}/app"
        return f"mysql+{self.driver}://app:{APP_PASSWORD}@127.0.0.1:{port}/app?charset=utf8mb4"


PROJECTS = [
    SampleProject(  # a blog
        name="stock",
        driver="pymysql",
        ini=SAMPLES / "stock" / "alembic.ini",
        migrator_env=None,
        tables=frozenset({"authors", "posts", "tags", "post_tags"}),
        composite_index=("posts", "ix_posts_author_id_published_at", ["author_id", "published_at"]),
        added_nullable_column=("posts", "summary"),
        foreign_keys=("posts", ["authors"]),
        seeded=("tags", "slug", ["news", "release-notes", "tutorials"]),
    ),
    SampleProject(  # a shop
        name="async_template",
        driver="aiomysql",
        ini=SAMPLES / "async_template" / "alembic.ini",
        migrator_env=None,
        tables=frozenset({"customers", "products", "orders", "order_lines", "shipping_methods"}),
        composite_index=("orders", "ix_orders_customer_id_placed_at", ["customer_id", "placed_at"]),
        added_nullable_column=("orders", "total_cents"),
        foreign_keys=("orders", ["customers", "shipping_methods"]),
        seeded=("shipping_methods", "code", ["express", "pickup", "standard"]),
    ),
    SampleProject(  # a ticket tracker
        name="flask_style",
        driver="pymysql",
        ini=None,  # Flask-Migrate's alembic.ini names neither the scripts nor the database
        migrator_env="builtin",  # its env.py needs the Flask application
        tables=frozenset({"users", "projects", "tickets", "labels", "ticket_labels"}),
        composite_index=("tickets", "ix_tickets_project_id_status", ["project_id", "status"]),
        added_nullable_column=("tickets", "resolved_at"),
        foreign_keys=("tickets", ["projects", "users", "users"]),
        seeded=("labels", "name", ["bug", "feature", "question", "wontfix"]),
    ),
    SampleProject(  # a library
        name="pg_stock",
        driver="psycopg",
        ini=SAMPLES / "pg_stock" / "alembic.ini",
        migrator_env=None,
        tables=frozenset({"authors", "genres", "books"}),
        composite_index=("books", "ix_books_genre_id_shelved_at", ["genre_id", "shelved_at"]),
        added_nullable_column=("books", "subtitle"),
        foreign_keys=("books", ["authors", "genres"]),
        seeded=("genres", "slug", ["biography", "fiction", "history", "science"]),
        engine="postgresql",
    ),
    SampleProject(  # a shop
        name="pg_async",
        driver="asyncpg",
        ini=SAMPLES / "pg_async" / "alembic.ini",
        migrator_env=None,
        tables=frozenset({"customers", "orders", "shipping_methods"}),
        composite_index=("orders", "ix_orders_customer_id_placed_at", ["customer_id", "placed_at"]),
        added_nullable_column=("orders", "shipping_method_id"),
        foreign_keys=("orders", ["customers", "shipping_methods"]),
        seeded=("shipping_methods", "code", ["courier", "locker", "standard"]),
        engine="postgresql",
    ),
    SampleProject(  # a helpdesk
        name="pg_builtin",
        driver="psycopg",
        ini=None,
        migrator_env="builtin",  # its env.py needs the application
        tables=frozenset({"queues", "agents", "tickets"}),
        composite_index=("tickets", "ix_tickets_queue_id_opened_at", ["queue_id", "opened_at"]),
        added_nullable_column=("tickets", "first_response_at"),
        foreign_keys=("tickets", ["agents", "queues"]),
        seeded=("queues", "name", ["billing", "general", "technical"]),
        engine="postgresql",
    ),
]
COMMITTING_REVISION = SAMPLES / "pg_commits_alembic_transaction.py"


@pytest.fixture(params=PROJECTS, ids=[project.name for project in PROJECTS])
def project(request: pytest.FixtureRequest) -> SampleProject:
    sample: SampleProject = request.param
    return sample


@pytest.fixture
def server_url(project: SampleProject, request: pytest.FixtureRequest) -> str:
    """A fresh database on the project's server."""
    return database_for(project, request)


def database_for(project: SampleProject, request: pytest.FixtureRequest) -> str:
    fixture = "postgres_url" if project.engine == "postgresql" else "mysql_url"
    url: str = request.getfixturevalue(fixture)
    return url


def scripts_of(project: SampleProject) -> ScriptDirectory:
    """The project as Alembic itself loads it: through its alembic.ini where that names it."""
    if project.ini is not None:
        return ScriptDirectory.from_config(Config(str(project.ini)))
    return ScriptDirectory(str(project.script_location))


def revisions_of(project: SampleProject) -> list[str]:
    """Oldest first."""
    return [script.revision for script in reversed(list(scripts_of(project).walk_revisions()))]


def migrate(
    project: SampleProject, url: str, *args: str, **settings: Any
) -> subprocess.CompletedProcess[str]:
    """The migrator on `url` (a PyMySQL URL, turned into the project's form), configured as the
    project's users configure it."""
    return run_migrator(project.url(url), *args, **project.settings, **settings)


def start_upgrade(project: SampleProject, url: str) -> subprocess.Popen[str]:
    return start_migrator(project.url(url), "upgrade", **project.settings)


def upgraded(project: SampleProject, url: str) -> str:
    """Arrange: the database at the project's head."""
    result = migrate(project, url, "upgrade")
    assert result.returncode == OK, result.stderr
    return url


def applied_revisions(project: SampleProject, url: str) -> Counter[str]:
    history = migrate(project, url, "history", "--json")
    assert history.returncode == OK, history.stderr
    events = json.loads(history.stdout)
    return Counter(event["revision"] for event in events if event["outcome"] == "applied")


def revision_in_file_name(name: str) -> str | None:
    """As Alembic names a new revision's file: `<12 hex digits>_<slug>.py`."""
    match = REVISION_FILE.fullmatch(name)
    return match["revision"] if match else None


def schema_facts(url: str, project: SampleProject) -> dict[str, object]:
    """What the project's revisions left in the database, read over plain PyMySQL."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            index_table, index_name, _ = project.composite_index
            column_table, column_name = project.added_nullable_column
            fk_table, _ = project.foreign_keys
            seeded_table, seeded_column, _ = project.seeded
            indexes = {i["name"]: i["column_names"] for i in schema.get_indexes(index_table)}
            columns = {c["name"]: c["nullable"] for c in schema.get_columns(column_table)}
            seeded = connection.execute(
                text(f"SELECT {seeded_column} FROM {seeded_table} ORDER BY {seeded_column}")
            )
            return {
                "tables": project.tables & set(schema.get_table_names()),
                "composite index": indexes.get(index_name),
                "added column nullable": columns.get(column_name),
                "foreign keys": sorted(
                    fk["referred_table"] for fk in schema.get_foreign_keys(fk_table)
                ),
                "seeded": list(seeded.scalars()),
            }
    finally:
        engine.dispose()


def expected_facts(project: SampleProject) -> dict[str, object]:
    return {
        "tables": project.tables,
        "composite index": project.composite_index[2],
        "added column nullable": True,
        "foreign keys": project.foreign_keys[1],
        "seeded": project.seeded[2],
    }


def test_alembic_loads_each_project_with_one_head(project: SampleProject) -> None:
    files = (project.script_location / "versions").glob("*.py")

    scripts = scripts_of(project)
    revisions = revisions_of(project)

    assert Path(scripts.dir) == project.script_location
    assert len(scripts.get_heads()) == 1
    assert len(revisions) == REVISIONS_PER_PROJECT
    assert sorted(revision_in_file_name(file.name) or file.name for file in files) == sorted(
        revisions
    )


def test_upgrade_from_empty_applies_every_revision(project: SampleProject, server_url: str) -> None:
    result = migrate(project, server_url, "upgrade")

    assert result.returncode == OK, result.stderr
    assert version_in(server_url) == [revisions_of(project)[-1]]
    assert schema_facts(server_url, project) == expected_facts(project)


def test_five_runners_at_once_apply_each_revision_once(
    project: SampleProject, server_url: str
) -> None:
    runners = [start_upgrade(project, server_url) for _ in range(RUNNERS)]
    logs = [runner.communicate(timeout=180)[1] for runner in runners]  # drains the pipes too

    assert [runner.returncode for runner in runners] == [OK] * RUNNERS, logs
    assert applied_revisions(project, server_url) == Counter(revisions_of(project))
    assert version_in(server_url) == [revisions_of(project)[-1]]
    # The data migration's rows once, not five times.
    assert schema_facts(server_url, project) == expected_facts(project)


def test_current_names_the_head(project: SampleProject, server_url: str) -> None:
    url = upgraded(project, server_url)

    result = migrate(project, url, "current")

    assert result.returncode == OK, result.stderr
    assert f"{revisions_of(project)[-1]} (current)" in result.stdout


def test_history_lists_each_revision_applied_newest_first(
    project: SampleProject, server_url: str
) -> None:
    url = upgraded(project, server_url)

    as_json = migrate(project, url, "history", "--json")
    as_text = migrate(project, url, "history")

    assert as_json.returncode == OK, as_json.stderr
    events = [(event["revision"], event["outcome"]) for event in json.loads(as_json.stdout)]
    assert events == [(revision, "applied") for revision in reversed(revisions_of(project))]
    assert as_text.returncode == OK, as_text.stderr
    assert all(revision in as_text.stdout for revision in revisions_of(project))


def test_lint_all_passes_without_a_database(project: SampleProject) -> None:
    # Every finding is intended and declared in its revision's `lint_accept` (the shop's
    # foreign key onto an existing table), or there is none.
    result = migrate(project, project.unreachable_url(), "lint", "--all")

    assert result.returncode == OK, result.stdout + result.stderr


def test_lint_all_reads_every_revision(project: SampleProject) -> None:
    result = migrate(project, project.unreachable_url(), "lint", "--all")

    named = [revision for revision in revisions_of(project) if f"{revision}:" in result.stdout]
    assert named == revisions_of(project), result.stdout


def test_a_wrong_password_exits_db_rejected(project: SampleProject, server_url: str) -> None:
    wrong = make_url(server_url).set(password="wrong-secret-5b1")

    result = migrate(project, wrong.render_as_string(hide_password=False), "upgrade")

    assert result.returncode == DatabaseRejected.exit_code, result.stderr
    assert "wrong-secret-5b1" not in result.stdout + result.stderr


def test_an_unreachable_host_exits_db_unreachable(project: SampleProject) -> None:
    result = migrate(project, project.unreachable_url(), "upgrade", migrator_wait_timeout=2)

    assert result.returncode == DatabaseUnreachable.exit_code, result.stderr


def test_a_revision_that_commits_alembics_transaction_is_caught(
    project: SampleProject, server_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / project.name
    shutil.copytree(project.script_location.parent, copy)
    head = revisions_of(project)[-1]
    committing = COMMITTING_REVISION.read_text(encoding="utf-8").replace(
        "down_revision: str | Sequence[str] | None = None", f"down_revision = {head!r}"
    )
    versions = copy / project.script_location.name / "versions"
    (versions / "c0ffee000001_commits_alembics_transaction.py").write_text(
        committing, encoding="utf-8"
    )
    settings = {**project.settings, "alembic_script_location": str(versions.parent)}
    if project.ini is not None:
        settings["migrator_alembic_ini"] = str(copy / project.ini.name)

    first = run_migrator(project.url(server_url), "upgrade", **settings)
    second = run_migrator(project.url(server_url), "upgrade", **settings)

    assert first.returncode == MigrationFailed.exit_code, first.stderr
    assert "committed Alembic's transaction itself" in first.stderr
    assert "applied revision c0ffee000001" not in first.stderr
    assert version_in(server_url) == [head]
    assert second.returncode == NeedsRepair.exit_code, second.stderr
