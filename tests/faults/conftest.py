"""Fault tests run the API as production does (gunicorn + uvicorn workers) on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.api_process import ApiProcess, StartApi
from harness.mysql_server import ThrowawayServer
from harness.servers import new_database, started_server


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A server of this test's own, free to be killed; app user and migrated `app` schema."""
    server = started_server(tmp_path / "mysql")
    new_database(server, "app")
    yield server
    server.stop()


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
