"""The database dies under load and comes back: fast 503s, no restart, no lost write."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from harness.api_process import StartApi
from harness.http import WriteLoad, get_status
from harness.mysql_server import ThrowawayServer
from tests.faults.conftest import MARGIN_SECONDS

CONNECT_TIMEOUT = 1
CLIENTS = 4
RECOVERY_SECONDS = 5  # README's promise: service resumes within 5 s of the database's return


def test_outage_under_load(own_server: ThrowawayServer, dml_url: str, start_api: StartApi) -> None:
    url = dml_url
    api = start_api(url, db_connect_timeout=CONNECT_TIMEOUT)
    with WriteLoad(api.base, "under load", CLIENTS) as load:
        outcomes = load.outcomes
        time.sleep(1.5)

        own_server.kill()
        killed_at = time.monotonic()
        time.sleep(2)
        health_during = get_status(api.base, "/healthz")
        ready_during = get_status(api.base, "/readyz")
        restart_at = time.monotonic()
        own_server.start()
        back_at = own_server.first_accept()
        while not any(o.status == 201 and o.started > restart_at for o in outcomes):
            assert time.monotonic() - back_at < RECOVERY_SECONDS, "no 2xx within 5 s"
            time.sleep(0.05)
        recovered_at = time.monotonic()
        time.sleep(1)

    # Requests that started and ended while the server was surely down.
    during = [
        o for o in outcomes if killed_at + 0.5 < o.started and o.started + o.seconds < restart_at
    ]
    acknowledged = {o.body["id"] for o in outcomes if o.status == 201}
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT id FROM some_infos")).scalars())
    engine.dispose()

    assert health_during == 200
    assert ready_during == 503
    assert during, "no request was made during the outage"
    assert {o.status for o in during} == {503}
    # A refused connection fails at once; the connect timeout bounds the rest.
    assert max(o.seconds for o in during) < CONNECT_TIMEOUT + MARGIN_SECONDS
    assert {o.status for o in outcomes} <= {201, 503}
    assert recovered_at - back_at < RECOVERY_SECONDS
    assert api.process.poll() is None  # served again without a restart
    assert acknowledged <= stored
    assert len([o for o in outcomes if o.status == 201 and o.started > back_at]) > 10
