"""Ten migrators started at the same instant apply each revision exactly once."""

from __future__ import annotations

import json
from pathlib import Path

from harness.db import tables_in, version_in
from harness.migrator_process import start_migrator
from migrator.exit_codes import OK
from tests.support.scripts import scripts_with

RUNNERS = 10


def test_ten_migrators_at_once_apply_each_revision_once(mysql_url: str, tmp_path: Path) -> None:
    scripts = scripts_with(tmp_path, "0002_add_notes.py")  # two revisions to apply
    runners = [
        start_migrator(mysql_url, "upgrade", alembic_script_location=scripts, log_format="json")
        for _ in range(RUNNERS)
    ]
    outcomes = [(runner.wait(timeout=120), runner.communicate()[1]) for runner in runners]

    events = [json.loads(line) for _, stderr in outcomes for line in stderr.splitlines()]
    applied = [event["revision"] for event in events if event["event"].startswith("applied")]
    at_head = [event for event in events if event["event"] == "already at head"]
    assert [code for code, _ in outcomes] == [OK] * RUNNERS
    assert sorted(applied) == ["0001", "0002"]
    assert len(at_head) == RUNNERS - 1
    assert version_in(mysql_url) == ["0002"]
    assert {"some_infos", "notes"} <= tables_in(mysql_url)
