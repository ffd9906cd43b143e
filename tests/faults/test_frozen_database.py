"""A database that hangs (SIGSTOP: connections are accepted, nothing answers), then resumes:
bounded 503s, fast readiness and liveness, recovery without a restart, nothing acknowledged lost.

A write is surely in flight at the freeze: a root session holds the table (LOCK TABLES), a known
POST's INSERT is seen waiting for it in the processlist, and only then is the server frozen."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, text

from harness.api_process import StartApi
from harness.http import Answer, WriteLoad, get_status, post_info_answer
from harness.mysql_server import ThrowawayServer
from harness.settings import settings_for
from tests.faults.conftest import MARGIN_SECONDS

CLIENTS = 12
FROZEN_SECONDS = 12
RECOVERY_SECONDS = 5  # README's promise: 2xx again within 5 s of SIGCONT
IN_FLIGHT = "in flight at the freeze"


def _timed_status(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    status = get_status(base, path, timeout=30)
    return status, time.monotonic() - started


def _wait_until_waiting(server: ThrowawayServer, desc: str, timeout: float) -> None:
    """Until an INSERT of `desc` waits in the server's processlist."""
    connection = server.admin_connection()
    deadline = time.monotonic() + timeout
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE %s",
                    (f"INSERT INTO some_infos%{desc}%",),
                )
                row = cursor.fetchone()
                if row and row[0]:
                    return
                time.sleep(0.02)
    finally:
        connection.close()
    raise AssertionError(f"no INSERT of {desc!r} reached the server within {timeout} s")


def test_frozen_database(own_server: ThrowawayServer, dml_url: str, start_api: StartApi) -> None:
    settings = settings_for(dml_url)
    api = start_api(dml_url)
    known: list[Answer] = []
    holder = own_server.admin_connection("app")
    with holder.cursor() as cursor:
        cursor.execute("LOCK TABLES some_infos WRITE")
    poster = threading.Thread(
        target=lambda: known.append(post_info_answer(api.base, IN_FLIGHT, timeout=30)),
        daemon=True,
    )
    poster.start()
    try:
        _wait_until_waiting(own_server, IN_FLIGHT, settings.db_request_timeout)
        with WriteLoad(api.base, "through a hang", CLIENTS) as load:
            own_server.freeze()
            frozen_at = time.monotonic()
            try:
                time.sleep(3)
                ready = _timed_status(api.base, "/readyz")
                health = _timed_status(api.base, "/healthz")
                time.sleep(max(0.0, FROZEN_SECONDS - (time.monotonic() - frozen_at)))
            finally:
                # The hang ends when the thaw is requested: `docker unpause` returns some tens
                # of ms after the container runs again; writes answered then are not "during".
                thawed_at = time.monotonic()
                own_server.thaw()
            with holder.cursor() as cursor:
                cursor.execute("UNLOCK TABLES")
            while not any(o.status == 201 and o.started > thawed_at for o in load.outcomes):
                assert time.monotonic() - thawed_at < RECOVERY_SECONDS, "no 2xx within 5 s"
                time.sleep(0.05)
            recovered_after = time.monotonic() - thawed_at
            time.sleep(1)
    finally:
        holder.close()  # releases the table lock too
    poster.join(timeout=settings.db_request_timeout + MARGIN_SECONDS)

    outcomes = load.outcomes
    during = [o for o in outcomes if frozen_at < o.started and o.started + o.seconds < thawed_at]
    acknowledged = {o.body["id"] for o in outcomes if o.status == 201}
    engine = create_engine(dml_url)
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT id FROM some_infos")).scalars())
    engine.dispose()

    assert [(a.status, a.body.get("write")) for a in known] == [(503, "unknown")]
    assert during, "no request was answered during the hang"
    assert {o.status for o in during} == {503}
    assert max(o.seconds for o in outcomes) < settings.db_request_timeout + MARGIN_SECONDS
    assert {o.status for o in outcomes} <= {201, 503}
    assert all(o.body.get("write") in ("not_written", "unknown") for o in during)
    assert ready[0] == 503
    assert ready[1] < settings.readiness_timeout + MARGIN_SECONDS
    assert health[0] == 200
    assert health[1] < MARGIN_SECONDS  # never touches the database: the margin alone
    assert recovered_after < RECOVERY_SECONDS
    assert api.process.poll() is None  # served again without a restart
    assert acknowledged <= stored
