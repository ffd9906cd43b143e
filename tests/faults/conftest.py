"""Fault tests run the API as production does (gunicorn + uvicorn workers) on a real server,
logged in as production's API user: DML rights only (deploy/mysql/initdb/10-app-users.sh).

Time limits are the settings under test plus MARGIN_SECONDS: the suite shares two cores with
a database server, the API's workers and other engineers' runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.api_process import ApiProcess, StartApi
from harness.mysql_server import ThrowawayServer
from harness.servers import new_database, started_server

MARGIN_SECONDS = 5.0
DML_USER = "api"
DML_PASSWORD = "api-test-pw"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A server of this test's own, free to be killed; app user and migrated `app` schema."""
    server = started_server(tmp_path / "mysql")
    new_database(server, "app")
    yield server
    server.stop()


@pytest.fixture
def dml_url(own_server: ThrowawayServer) -> str:
    """The `app` schema as the API's user sees it: SELECT, INSERT, UPDATE, DELETE and nothing
    else, so read_only applies to it (SUPER, which the harness's `app` user has, bypasses it)."""
    own_server.admin_sql(
        f"CREATE USER IF NOT EXISTS '{DML_USER}'@'%' IDENTIFIED BY '{DML_PASSWORD}'",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON `app`.* TO '{DML_USER}'@'%'",
    )
    return own_server.url("app", user=DML_USER, password=DML_PASSWORD)


@pytest.fixture
def start_api(tmp_path: Path) -> Iterator[StartApi]:
    started: list[ApiProcess] = []

    def start(database_url: str, *, app: str | None = None, **settings: object) -> ApiProcess:
        log_path = tmp_path / f"gunicorn-{len(started)}.log"
        api = ApiProcess(database_url, log_path, app=app, **settings)
        started.append(api)
        api.wait_until("/readyz")
        return api

    yield start
    for api in started:
        api.stop()
