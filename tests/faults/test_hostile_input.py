"""Hostile clients: generated requests, a huge body, a thousand idle connections."""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.web import create_app
from core.settings import Settings
from harness.api_process import StartApi
from harness.http import get_status, post_info

IDLE_CONNECTIONS = 1000


@pytest.fixture
def served_app(migrated_settings: Settings) -> Iterator[FastAPI]:
    app = create_app(migrated_settings)
    with TestClient(app):  # runs the lifespan: engines and writer in app.state
        yield app


@pytest.fixture
def api_schema(served_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", served_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_no_5xx_and_match_the_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


def test_ten_mib_body_is_refused_before_it_is_sent(
    migrated_mysql_url: str, start_api: StartApi
) -> None:
    api = start_api(migrated_mysql_url)
    with socket.create_connection(("127.0.0.1", api.port), timeout=5) as sock:
        sock.sendall(
            b"POST /info HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 10485760\r\n\r\ndesc=" + b"x" * 65_536
        )
        started = time.monotonic()
        answer = sock.recv(4096)

    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 2


def test_a_thousand_idle_connections_do_not_starve_others(
    migrated_mysql_url: str, start_api: StartApi
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    api = start_api(migrated_mysql_url)
    idle = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            idle.append(socket.create_connection(("127.0.0.1", api.port), timeout=5))
        time.sleep(0.5)

        status, body = post_info(api.base, "still served", timeout=5)
        health = get_status(api.base, "/healthz", timeout=5)
    finally:
        for sock in idle:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    assert len(idle) == IDLE_CONNECTIONS
    assert status == 201
    assert body["desc"] == "still served"
    assert health == 200
