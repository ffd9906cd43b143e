"""Fault tests run the API as production does (gunicorn + uvicorn workers) on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from migrator import commands
from tests.support.api_process import ApiProcess, StartApi
from tests.support.mysql_server import ThrowawayServer
from tests.support.servers import throwaway_server
from tests.support.settings import settings_for


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A server of this test's own, free to be killed; app user and migrated `app` schema."""
    server = throwaway_server(tmp_path / "mysql")
    server.start()
    server.create_app_user()
    server.admin_sql("CREATE DATABASE app CHARACTER SET utf8mb4")
    commands.upgrade(settings_for(server.url("app")))
    yield server
    server.stop()


@pytest.fixture
def migrated_mysql_url(mysql_url: str) -> str:
    commands.upgrade(settings_for(mysql_url))
    return mysql_url


@pytest.fixture
def start_api(tmp_path: Path) -> Iterator[StartApi]:
    started: list[ApiProcess] = []

    def start(database_url: str, **settings: object) -> ApiProcess:
        api = ApiProcess(database_url, tmp_path / f"gunicorn-{len(started)}.log", **settings)
        started.append(api)
        api.wait_until("/readyz")
        return api

    yield start
    for api in started:
        api.stop()
