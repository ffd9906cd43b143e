"""Connections the server closed while idle (wait_timeout) are not handed to a request."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.web import create_app
from harness.servers import new_database, started_server
from harness.settings import settings_for

pytestmark = pytest.mark.server  # starts a server of its own, with --wait-timeout=2


def test_next_request_succeeds_after_the_server_dropped_idle_connections(
    tmp_path: Path,
) -> None:
    server = started_server(tmp_path / "mysql", extra_args=["--wait-timeout=2"])
    try:
        settings = settings_for(new_database(server, "app"))
        with TestClient(create_app(settings)) as client:
            first = client.post("/info", data={"desc": "before"})
            assert client.get(f"/info/{first.json()['id']}").status_code == 200

            time.sleep(3)  # the server closes both pools' idle connections

            created = client.post("/info", data={"desc": "after"})
            read = client.get(f"/info/{created.json()['id']}")
            ready = client.get("/readyz")
    finally:
        server.stop()

    assert created.status_code == 201
    assert read.status_code == 200
    assert ready.status_code == 200
