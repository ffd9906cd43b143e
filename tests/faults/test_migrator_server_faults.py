"""The migrator when the server freezes mid-statement, or when it is told to stop: bounded,
cancelled on the server, and written down in migrator_history."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from harness.migrator_process import run_migrator, start_migrator
from harness.mysql_server import ThrowawayServer
from migrator.errors import NeedsRepair, ServerSilent
from migrator.exit_codes import OK, SIGNAL_BASE
from tests.support.scripts import scripts_with

SILENCE_TIMEOUT = 10
STATEMENT = "DO SLEEP(20)"


def _history(url: str, scripts: Path) -> list[dict[str, object]]:
    result = run_migrator(url, "history", "--json", alembic_script_location=scripts)
    events: list[dict[str, object]] = json.loads(result.stdout)
    return events


def test_a_frozen_server_ends_the_run_with_exit_12(
    own_server: ThrowawayServer, tmp_path: Path
) -> None:
    url = own_server.url("app")
    scripts = scripts_with(tmp_path, "0002_long_statement.py")
    migrator = start_migrator(
        url,
        "upgrade",
        alembic_script_location=scripts,
        migrator_server_silence_timeout=SILENCE_TIMEOUT,
    )
    started = own_server.wait_until_running(STATEMENT, migrator)
    own_server.freeze()
    try:
        _, stderr = migrator.communicate(timeout=60)
        ended_after = time.monotonic() - started
    finally:
        own_server.thaw()
    after = run_migrator(url, "upgrade", alembic_script_location=scripts)

    assert migrator.returncode == ServerSilent.exit_code, stderr
    assert ended_after < 30
    assert f"MIGRATOR_SERVER_SILENCE_TIMEOUT={SILENCE_TIMEOUT}" in stderr
    assert "may still complete on the server" in stderr
    assert _history(url, scripts)[0]["outcome"] == "unknown"
    assert after.returncode == NeedsRepair.exit_code, after.stderr


def test_a_statement_longer_than_the_silence_timeout_on_a_live_server_completes(
    migrated_mysql_url: str, tmp_path: Path
) -> None:
    scripts = scripts_with(tmp_path, "0002_long_statement.py")

    result = run_migrator(
        migrated_mysql_url,
        "upgrade",
        alembic_script_location=scripts,
        migrator_server_silence_timeout=SILENCE_TIMEOUT,
    )

    assert result.returncode == OK, result.stderr
    assert _history(migrated_mysql_url, scripts)[0]["outcome"] == "applied"


def test_sigterm_cancels_the_running_statement_on_the_server(
    own_server: ThrowawayServer, tmp_path: Path
) -> None:
    url = own_server.url("app")
    scripts = scripts_with(tmp_path, "0002_long_statement.py")
    migrator = start_migrator(url, "upgrade", alembic_script_location=scripts)
    own_server.wait_until_running(STATEMENT, migrator)

    sent = time.monotonic()
    migrator.send_signal(signal.SIGTERM)
    _, stderr = migrator.communicate(timeout=30)
    exited_after = time.monotonic() - sent
    still_running = own_server.running(STATEMENT)
    events = _history(url, scripts)

    assert migrator.returncode == SIGNAL_BASE + signal.SIGTERM, stderr
    assert exited_after < 5
    assert still_running == 0
    assert "cancelled on the server" in stderr
    assert (events[0]["revision"], events[0]["outcome"]) == ("0002", "interrupted")
    assert "Traceback" not in stderr
