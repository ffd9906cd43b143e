"""The server turns read-only, as the old primary does during a failover: writes are answered
503 database_read_only, the connections that saw it are never used again, and writes succeed
once the server takes them again."""

from __future__ import annotations

import time

from harness.api_process import StartApi
from harness.http import WriteLoad, post_info, post_info_answer
from harness.mysql_server import ThrowawayServer

RECOVERY_SECONDS = 5  # the promise: writes succeed within 5 s of read_only=0
WARM_CLIENTS = 4  # = DB_WRITE_THREADS: every writer thread leases a connection


def _insert_threads(server: ThrowawayServer, desc: str) -> set[int]:
    """The server's connection ids that ran an INSERT of `desc` (the general log)."""
    connection = server.admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT thread_id FROM mysql.general_log WHERE argument LIKE %s",
                (f"INSERT INTO some_infos%{desc}%",),
            )
            return {int(row[0]) for row in cursor.fetchall()}
    finally:
        connection.close()


def test_read_only_is_a_failover_and_its_connections_are_discarded(
    own_server: ThrowawayServer, dml_url: str, start_api: StartApi
) -> None:
    api = start_api(dml_url, web_concurrency=1)
    own_server.admin_sql("SET GLOBAL log_output = 'TABLE'", "SET GLOBAL general_log = 1")
    with WriteLoad(api.base, "warm", WARM_CLIENTS) as load:
        time.sleep(1)
    warm = _insert_threads(own_server, "warm")

    own_server.admin_sql("SET GLOBAL read_only = 1")
    try:
        refused = [post_info_answer(api.base, "refused") for _ in range(3)]
    finally:
        own_server.admin_sql("SET GLOBAL read_only = 0")
    writable_at = time.monotonic()
    while (status := post_info(api.base, "after")[0]) != 201:
        assert time.monotonic() - writable_at < RECOVERY_SECONDS, status
        time.sleep(0.05)
    recovered_after = time.monotonic() - writable_at
    with WriteLoad(api.base, "after", WARM_CLIENTS):
        time.sleep(1)
    saw_1290 = _insert_threads(own_server, "refused")
    after = _insert_threads(own_server, "after")

    assert {o.status for o in load.outcomes} == {201}
    assert [a.status for a in refused] == [503] * 3
    assert {a.body["code"] for a in refused} == {"database_read_only"}
    assert {a.body["write"] for a in refused} == {"not_written"}
    assert all("retry-after" in a.headers for a in refused)
    assert recovered_after < RECOVERY_SECONDS
    assert saw_1290, "no INSERT reached the read-only server"
    assert after
    assert not saw_1290 & after, "a connection that saw 1290 was used again"
    assert not warm & after, "a connection of the pool from before the failover was used again"
