"""The runner fails closed on Alembic projects shaped as their users shape them.

Each test builds a small project in tmp_path: the stock `alembic init` env.py (or the
multi-database template), changed only where the story needs (a version table it configures,
an `on_version_apply` callable), with revision files of its own. What env.py configures is
what the runner keeps to; what it cannot confirm (several heads, a revision it cannot place, a
history it cannot read, a read-only server, a second database) ends with the named exit code
and nothing run, never a guess.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from api.web import create_app
from harness.migrator_process import run_migrator
from harness.mysql_server import ThrowawayServer
from harness.servers import started_server
from harness.settings import settings_for
from migrator.errors import (
    ConfigurationError,
    DatabaseUnreachable,
    MigrationFailed,
    NeedsRepair,
    SchemaDiverged,
    Unprotected,
)
from migrator.exit_codes import OK

STOCK = Path(__file__).parent / "sample_projects" / "stock" / "migrations"
STOCK_CONFIGURE = "connection=connection, target_metadata=target_metadata"
STOCK_PRELUDE = "def run_migrations_offline() -> None:"
FAILING_STATEMENT = 'op.execute("ALTER TABLE no_such_table ADD COLUMN x INT")'


def revision_file(
    revision: str,
    down_revision: str | None,
    *statements: str,
    branch_labels: tuple[str, ...] | None = None,
) -> tuple[str, str]:
    """(file name, text) of a revision as `alembic revision` writes one."""
    body = textwrap.indent("\n".join(statements) or "pass", "    ")
    source = f'''"""{revision}

Revision ID: {revision}
Revises: {down_revision}
"""
import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = {branch_labels!r}
depends_on = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''
    return f"{revision}_rev.py", source


def creates(table: str) -> str:
    return f'op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))'


@dataclass(frozen=True)
class Project:
    """An Alembic project in tmp_path and how its users point the runner at it."""

    location: Path
    ini: Path | None = None

    def run(self, url: str, *args: str, **settings: Any) -> subprocess.CompletedProcess[str]:
        options: dict[str, Any] = {"alembic_script_location": str(self.location)}
        if self.ini is not None:
            options["migrator_alembic_ini"] = str(self.ini)
        return run_migrator(url, *args, **options, **settings)

    def history(self, url: str) -> list[str]:
        """The revisions of `history --json`, newest first."""
        result = self.run(url, "history", "--json")
        assert result.returncode == OK, result.stderr
        return [event["revision"] for event in json.loads(result.stdout)]


def stock_project(
    directory: Path,
    *revisions: tuple[str, str],
    configure: str = "",
    prelude: str = "",
) -> Project:
    """The stock env.py; `configure` adds options to its online context.configure(...),
    `prelude` adds code before its functions."""
    directory.mkdir(parents=True)
    shutil.copy(STOCK / "script.py.mako", directory / "script.py.mako")
    env = (STOCK / "env.py").read_text()
    assert STOCK_CONFIGURE in env, "the stock env.py changed"
    assert STOCK_PRELUDE in env, "the stock env.py changed"
    if configure:
        env = env.replace(STOCK_CONFIGURE, f"{STOCK_CONFIGURE}, {configure}")
    if prelude:
        env = env.replace(STOCK_PRELUDE, f"{prelude}\n\n\n{STOCK_PRELUDE}")
    (directory / "env.py").write_text(env)
    versions = directory / "versions"
    versions.mkdir()
    for name, source in revisions:
        (versions / name).write_text(source)
    return Project(directory)


def half_applied_project(directory: Path) -> Project:
    """One revision that creates `half_done`, then fails: MySQL keeps the table."""
    return stock_project(
        directory, revision_file("a0001", None, creates("half_done"), FAILING_STATEMENT)
    )


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def tables(url: str, schema: str | None = None) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names(schema=schema))
    finally:
        engine.dispose()


def database_of(url: str) -> str:
    return str(make_url(url).database)


@pytest.fixture
def second_database(mysql_server: ThrowawayServer) -> Iterator[str]:
    name = mysql_server.create_database()
    yield name
    mysql_server.drop_database(name)


# 7. The version table env.py configures -------------------------------------------------------


def test_a_version_table_env_py_configures_is_the_one_kept(tmp_path: Path, mysql_url: str) -> None:
    project = stock_project(
        tmp_path / "p",
        revision_file("v0001", None, creates("things")),
        configure='version_table="my_versions"',
    )

    first = project.run(mysql_url, "upgrade")
    second = project.run(mysql_url, "upgrade")
    current = project.run(mysql_url, "current")

    assert (first.returncode, second.returncode) == (OK, OK), first.stderr + second.stderr
    assert "already at head" in second.stderr
    assert "v0001 (current)" in current.stdout, current.stdout + current.stderr
    assert query(mysql_url, "SELECT version_num FROM my_versions") == [("v0001",)]
    assert "alembic_version" not in tables(mysql_url)
    assert "migrator_history_my_versions" in tables(mysql_url)
    assert project.history(mysql_url) == ["v0001"]


def test_a_version_table_schema_env_py_configures_holds_versions_and_history(
    tmp_path: Path, mysql_url: str, second_database: str
) -> None:
    project = stock_project(
        tmp_path / "p",
        revision_file("v0001", None, creates("things")),
        configure=f'version_table="my_versions", version_table_schema="{second_database}"',
    )

    first = project.run(mysql_url, "upgrade")
    second = project.run(mysql_url, "upgrade")
    current = project.run(mysql_url, "current")

    assert (first.returncode, second.returncode) == (OK, OK), first.stderr + second.stderr
    assert "already at head" in second.stderr
    assert "v0001 (current)" in current.stdout, current.stdout + current.stderr
    in_second = tables(mysql_url, schema=second_database)
    assert query(mysql_url, f"SELECT version_num FROM `{second_database}`.my_versions") == [
        ("v0001",)
    ]
    assert "migrator_history_my_versions" in in_second
    assert "alembic_version" not in tables(mysql_url) | in_second
    assert "things" in tables(mysql_url)
    assert project.history(mysql_url) == ["v0001"]


# 8. Several heads; a read-only server ----------------------------------------------------------


def test_independent_branches_are_upgraded_together(tmp_path: Path, mysql_url: str) -> None:
    # Alembic's "Working with Multiple Bases": each branch starts at None under its own label.
    project = stock_project(
        tmp_path / "p",
        revision_file("a0001", None, creates("alpha_things"), branch_labels=("alpha",)),
        revision_file("a0002", "a0001", creates("alpha_more")),
        revision_file("b0001", None, creates("beta_things"), branch_labels=("beta",)),
    )

    first = project.run(mysql_url, "upgrade")
    current = project.run(mysql_url, "current")
    second = project.run(mysql_url, "upgrade")

    assert first.returncode == OK, first.stderr
    assert {"alpha_things", "alpha_more", "beta_things"} <= tables(mysql_url)
    revisions, status = current.stdout.split()
    assert (set(revisions.split(",")), status) == ({"a0002", "b0001"}, "(current)")
    assert second.returncode == OK, second.stderr


def test_a_read_only_server_exits_unreachable_in_one_line(tmp_path: Path) -> None:
    server = started_server(tmp_path / "mysql")
    try:
        database = server.create_database()
        # No SUPER or READ ONLY ADMIN: read_only applies to this login.
        server.admin_sql(
            "CREATE USER 'plain'@'%' IDENTIFIED BY 'plain-pw'",
            f"GRANT ALL ON `{database}`.* TO 'plain'@'%'",
        )
        url = server.url(database, user="plain", password="plain-pw")
        project = stock_project(tmp_path / "p", revision_file("r0001", None, creates("things")))
        server.admin_sql("SET GLOBAL read_only = 1")
        try:
            result = project.run(url, "upgrade", migrator_wait_timeout=5)
        finally:
            server.admin_sql("SET GLOBAL read_only = 0")
    finally:
        server.stop()

    assert result.returncode == DatabaseUnreachable.exit_code, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    assert "1290" in errors[0]


# 9. A database head this build cannot place ----------------------------------------------------


def test_an_unproven_second_head_is_diverged(
    migrated_mysql_url: str, mysql_server: ThrowawayServer
) -> None:
    database = database_of(migrated_mysql_url)
    mysql_server.admin_sql(f"INSERT INTO `{database}`.alembic_version VALUES ('zzzz')")

    current = run_migrator(migrated_mysql_url, "current")
    upgrade = run_migrator(migrated_mysql_url, "upgrade")

    assert "diverged" in current.stdout, current.stdout + current.stderr
    assert upgrade.returncode == SchemaDiverged.exit_code, upgrade.stderr


# 10. Two projects in one schema ----------------------------------------------------------------


def test_two_projects_in_one_schema_keep_separate_histories(tmp_path: Path, mysql_url: str) -> None:
    project_a = half_applied_project(tmp_path / "a")
    project_b = stock_project(
        tmp_path / "b",
        revision_file("b0001", None, creates("b_things")),
        revision_file("b0002", "b0001", creates("b_more")),
        configure='version_table="b_version"',
    )
    failed = project_a.run(mysql_url, "upgrade")
    blocked = project_a.run(mysql_url, "upgrade")

    b_upgrade = project_b.run(mysql_url, "upgrade")

    assert failed.returncode == MigrationFailed.exit_code, failed.stderr
    assert blocked.returncode == NeedsRepair.exit_code, blocked.stderr
    assert b_upgrade.returncode == OK, b_upgrade.stderr
    assert project_b.history(mysql_url) == ["b0002", "b0001"]
    assert project_a.history(mysql_url) == ["a0001"]


# 12a. A history the runner cannot read ---------------------------------------------------------


def test_an_unreadable_history_stops_before_anything_runs(
    tmp_path: Path, mysql_url: str, mysql_server: ThrowawayServer
) -> None:
    project = half_applied_project(tmp_path / "p")
    assert project.run(mysql_url, "upgrade").returncode == MigrationFailed.exit_code
    database = database_of(mysql_url)
    user = f"nohist_{database[-8:]}"
    mysql_server.admin_sql(
        f"CREATE USER '{user}'@'%' IDENTIFIED BY 'nohist-pw'",
        f"GRANT CREATE ON `{database}`.* TO '{user}'@'%'",
        f"GRANT ALL ON `{database}`.alembic_version TO '{user}'@'%'",
        f"GRANT ALL ON `{database}`.half_done TO '{user}'@'%'",
        f"GRANT INSERT, UPDATE ON `{database}`.migrator_history TO '{user}'@'%'",
        # Were the revision replayed, it would create the table again.
        f"DROP TABLE `{database}`.half_done",
    )
    try:
        result = project.run(mysql_server.url(database, user=user, password="nohist-pw"), "upgrade")
    finally:
        mysql_server.admin_sql(f"DROP USER '{user}'@'%'")

    assert result.returncode == Unprotected.exit_code, result.stderr
    assert "migrator_history" in result.stderr
    assert "half_done" not in tables(mysql_url)
    assert query(mysql_url, "SELECT version_num FROM alembic_version") == []


# 12b. Readiness on an unknown revision with no history -----------------------------------------


def test_readiness_on_an_unknown_revision_without_history_is_diverged(
    migrated_mysql_url: str, mysql_server: ThrowawayServer
) -> None:
    database = database_of(migrated_mysql_url)
    mysql_server.admin_sql(
        f"UPDATE `{database}`.alembic_version SET version_num = 'zzzz'",
        f"DROP TABLE `{database}`.migrator_history",
    )

    settings = settings_for(migrated_mysql_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert "schema_diverged" in response.json()["reason"], response.json()


# 12c. on_version_apply as one callable ---------------------------------------------------------


def test_one_on_version_apply_callable_runs_once_per_revision(
    tmp_path: Path, mysql_url: str
) -> None:
    marker = tmp_path / "applied.txt"
    prelude = textwrap.dedent(f"""
        def mark_applied(*, ctx, step, heads, run_args):
            with open({str(marker)!r}, "a") as marks:
                marks.write(step.up_revision_id + "\\n")
        """)
    project = stock_project(
        tmp_path / "p",
        revision_file("c0001", None, creates("first_things")),
        revision_file("c0002", "c0001", creates("second_things")),
        configure="on_version_apply=mark_applied",
        prelude=prelude,
    )

    result = project.run(mysql_url, "upgrade")

    assert result.returncode == OK, result.stderr
    assert marker.read_text().split() == ["c0001", "c0002"]


# 12d. Alembic's multi-database template --------------------------------------------------------


def multidb_project(tmp_path: Path, engine1_url: str) -> Project:
    """`alembic init -t multidb`, one engine, one revision creating a table on it."""
    ini = tmp_path / "alembic.ini"
    location = tmp_path / "multidb"
    command.init(Config(str(ini)), str(location), template="multidb")
    parser = configparser.RawConfigParser()
    parser.read(ini)
    parser.set("alembic", "databases", "engine1")
    parser.set("engine1", "sqlalchemy.url", engine1_url)
    parser.remove_section("engine2")
    with ini.open("w") as written:
        parser.write(written)
    (location / "versions" / "m0001_rev.py").write_text(
        textwrap.dedent(f'''\
            """m0001"""
            import sqlalchemy as sa
            from alembic import op

            revision = "m0001"
            down_revision = None
            branch_labels = None
            depends_on = None


            def upgrade(engine_name: str) -> None:
                globals()["upgrade_%s" % engine_name]()


            def downgrade(engine_name: str) -> None:
                globals()["downgrade_%s" % engine_name]()


            def upgrade_engine1() -> None:
                {creates("engine1_things")}


            def downgrade_engine1() -> None:
                op.drop_table("engine1_things")
            ''')
    )
    return Project(location, ini)


def test_the_multidb_template_upgrades_its_engine(tmp_path: Path, mysql_url: str) -> None:
    project = multidb_project(tmp_path, mysql_url)

    result = project.run(mysql_url, "upgrade")

    assert result.returncode == OK, result.stderr
    assert "engine1_things" in tables(mysql_url)


def test_a_multidb_engine_on_another_database_is_refused(
    tmp_path: Path, mysql_url: str, mysql_server: ThrowawayServer, second_database: str
) -> None:
    other_url = mysql_server.url(second_database)
    project = multidb_project(tmp_path, other_url)

    result = project.run(mysql_url, "upgrade")

    assert result.returncode == ConfigurationError.exit_code, result.stderr
    assert tables(other_url) == set()


# Reading commands ask env.py for its version table, and write nothing ------------------------


@pytest.mark.parametrize("command_args", [("current",), ("history",), ("plan",)])
def test_a_reading_command_creates_no_table(
    tmp_path: Path, mysql_url: str, command_args: tuple[str, ...]
) -> None:
    project = stock_project(
        tmp_path / "project",
        revision_file("a0001", None, creates("made")),
        configure='version_table="my_versions"',
    )

    result = project.run(mysql_url, *command_args)

    assert result.returncode == OK, result.stderr
    assert tables(mysql_url) == set()
