"""The migrator's last log line summarises the run, and the same line becomes the container's
termination message where MIGRATOR_TERMINATION_MESSAGE_PATH names a file."""

from __future__ import annotations

import re
from pathlib import Path

from harness.migrator_process import run_migrator
from harness.mysql_server import ThrowawayServer
from migrator.errors import ConfigurationError, DatabaseRejected
from migrator.exit_codes import OK

SUMMARY = re.compile(r"migrate \S+ (ok|failed)\b.* \(exit \d+, \d+\.\d\d s\) exit_code=\d+")


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_success_names_from_and_to(mysql_url: str, tmp_path: Path) -> None:
    message = tmp_path / "termination-log"

    result = run_migrator(mysql_url, "upgrade", migrator_termination_message_path=message)

    assert result.returncode == OK, result.stderr
    assert "migrate upgrade ok: base -> 0001, 1 revision(s) applied (exit 0, " in result.stderr
    assert SUMMARY.search(_last_line(result.stderr))
    assert message.read_text() in _last_line(result.stderr)


def test_failure_gives_its_reason_and_code(mysql_server: ThrowawayServer, tmp_path: Path) -> None:
    message = tmp_path / "termination-log"

    result = run_migrator(
        mysql_server.url("no_such_db"), "upgrade", migrator_termination_message_path=message
    )

    assert result.returncode == DatabaseRejected.exit_code
    assert message.read_text().startswith("migrate upgrade failed: database ")
    assert "unknown database: check DB_NAME" in message.read_text()
    assert "(exit 4, " in message.read_text()


def test_a_configuration_error_still_writes_the_message(tmp_path: Path) -> None:
    message = tmp_path / "termination-log"

    result = run_migrator(
        "mysql+pymysql://u:p@h:notaport/db", "upgrade", migrator_termination_message_path=message
    )

    assert result.returncode == ConfigurationError.exit_code
    assert "DATABASE_URL" in message.read_text()
    assert "(exit 2, " in message.read_text()
