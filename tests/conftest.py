"""Fixtures: one real MySQL-compatible server and one real PostgreSQL per test session (each
started when a test first needs it), a fresh schema or database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.web import create_app
from core.settings import Settings
from harness.debian import MissingToolError
from harness.mysql_server import ThrowawayServer
from harness.postgres_server import PostgresServer
from harness.servers import started_server
from harness.settings import migrate, settings_for

# A test whose fixtures reach one of these, or the "mysql" side of `database_url`, needs the
# server: `make test-docker` runs exactly those through the harness's Docker path.
SERVER_FIXTURES = frozenset(
    {
        "mysql_server",
        "own_server",
        "stopped_server",
        "postgres_server",
        "own_postgres",
        "postgres_url",
        "server_url",  # tests/test_sample_projects.py: the project's own server
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_mysql = callspec is not None and callspec.params.get("database_url") == "mysql"
        if on_mysql or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def mysql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayServer]:
    try:
        server = started_server(tmp_path_factory.mktemp("mysql"))
    except MissingToolError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def _started_postgres(base_dir: Path) -> PostgresServer:
    try:
        server = PostgresServer(base_dir)
    except MissingToolError as exc:
        pytest.fail(str(exc), pytrace=False)
    server.start()
    server.create_app_user()
    return server


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = _started_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL of the test's own, for a test that freezes or kills it."""
    server = _started_postgres(tmp_path / "postgres")
    yield server
    server.stop()  # thawed first


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
def mysql_url(mysql_server: ThrowawayServer) -> Iterator[str]:
    name = mysql_server.create_database()
    yield mysql_server.url(name)
    mysql_server.drop_database(name)


@pytest.fixture
def migrated_mysql_url(mysql_url: str) -> str:
    migrate(mysql_url)
    return mysql_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+pysqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(params=["mysql", "sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def migrated_settings(database_url: str) -> Settings:
    settings = settings_for(database_url)
    migrate(database_url)
    return settings


@pytest.fixture
def client(migrated_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated_settings), raise_server_exceptions=False) as test_client:
        yield test_client
