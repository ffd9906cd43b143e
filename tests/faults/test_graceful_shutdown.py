"""SIGTERM with requests in flight: each accepted request completes, then the master exits."""

from __future__ import annotations

import signal
import threading
import time

from sqlalchemy.engine import make_url

from harness.api_process import StartApi
from harness.db import count_rows
from harness.http import post_info
from harness.mysql_server import ThrowawayServer

# Budgets long enough that every request is still waiting, not answered 503, at SIGTERM, and
# in the order the settings require (queue < request < graceful).
GRACEFUL_TIMEOUT = 25
REQUEST_TIMEOUT = 20
QUEUE_TIMEOUT = 15
IN_FLIGHT = 6


def test_sigterm_lets_accepted_requests_finish(
    mysql_server: ThrowawayServer, migrated_mysql_url: str, start_api: StartApi
) -> None:
    api = start_api(
        migrated_mysql_url,
        graceful_timeout=GRACEFUL_TIMEOUT,
        db_write_queue_timeout=QUEUE_TIMEOUT,
        db_request_timeout=REQUEST_TIMEOUT,
    )
    database = make_url(migrated_mysql_url).database
    blocker = mysql_server.admin_connection(database)
    results: list[tuple[int, dict[str, object]] | BaseException] = []

    def request() -> None:
        try:
            results.append(post_info(api.base, "in flight", timeout=30))
        except BaseException as exc:
            results.append(exc)

    try:
        # Hold the table so that every INSERT is still waiting when SIGTERM arrives.
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLES some_infos WRITE")
        clients = [threading.Thread(target=request) for _ in range(IN_FLIGHT)]
        for client in clients:
            client.start()
        time.sleep(1.5)
        api.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        time.sleep(1)
        assert results == [], "requests finished before the table was released"
    finally:
        with blocker.cursor() as cursor:
            cursor.execute("UNLOCK TABLES")
        blocker.close()
    for client in clients:
        client.join(timeout=30)
    api.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
    exited_after = time.monotonic() - signalled

    assert [r[0] if isinstance(r, tuple) else r for r in results] == [201] * IN_FLIGHT
    assert exited_after < GRACEFUL_TIMEOUT
    assert count_rows(migrated_mysql_url) == IN_FLIGHT
    assert "Error while closing socket" not in api.log_path.read_text()  # shutdown is quiet
