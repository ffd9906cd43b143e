"""A database that hangs (SIGSTOP: connections are accepted, nothing answers), then resumes:
bounded 503s, fast readiness and liveness, recovery without a restart, nothing acknowledged lost."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from harness.api_process import StartApi
from harness.http import WriteLoad, get_status
from harness.mysql_server import ThrowawayServer

CLIENTS = 12
FROZEN_SECONDS = 12


def _timed_status(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    status = get_status(base, path, timeout=30)
    return status, time.monotonic() - started


def test_frozen_database(own_server: ThrowawayServer, start_api: StartApi) -> None:
    url = own_server.url("app")
    api = start_api(url)
    load = WriteLoad(api.base, "through a hang", CLIENTS)
    outcomes = load.outcomes
    time.sleep(1)

    own_server.freeze()
    frozen_at = time.monotonic()
    time.sleep(3)
    ready = _timed_status(api.base, "/readyz")
    health = _timed_status(api.base, "/healthz")
    time.sleep(max(0.0, FROZEN_SECONDS - (time.monotonic() - frozen_at)))
    # The hang ends when the thaw is requested: `docker unpause` returns some tens of ms after
    # the container runs again, and writes answered in between are not answered "during" it.
    thawed_at = time.monotonic()
    own_server.thaw()
    while not any(o.status == 201 and o.started > thawed_at for o in outcomes):
        assert time.monotonic() - thawed_at < 5, "no 2xx within 5 s of the thaw"
        time.sleep(0.05)
    recovered_after = time.monotonic() - thawed_at
    time.sleep(1)
    load.stop()

    during = [o for o in outcomes if frozen_at < o.started and o.started + o.seconds < thawed_at]
    unknown = [o for o in outcomes if o.body.get("write") == "unknown"]
    acknowledged = {o.body["id"] for o in outcomes if o.status == 201}
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT id FROM some_infos")).scalars())
    engine.dispose()

    assert during, "no request was answered during the hang"
    assert {o.status for o in during} == {503}
    assert max(o.seconds for o in outcomes if o.started > frozen_at) < 10
    assert {o.status for o in outcomes} <= {201, 503}
    assert all(o.body.get("write") in ("not_written", "unknown") for o in during)
    assert unknown, "a write in flight at the freeze is reported as of unknown fate"
    assert ready == (503, ready[1])
    assert ready[1] < 2
    assert health == (200, health[1])
    assert health[1] < 1
    assert recovered_after < 5
    assert api.process.poll() is None  # served again without a restart
    assert acknowledged <= stored
