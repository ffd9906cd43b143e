"""An unexpected exception under gunicorn: a 500 of the one error shape, logged exactly once
with the request's method and route."""

from __future__ import annotations

from harness.api_process import StartApi
from harness.http import get_json
from tests.support.failing_app import BUG


def test_a_500_is_logged_once(migrated_mysql_url: str, start_api: StartApi) -> None:
    api = start_api(
        migrated_mysql_url, app="tests.support.failing_app:create_app()", web_concurrency=1
    )

    status, body = get_json(api.base, "/bug")
    after = get_json(api.base, "/healthz")

    lines = [line for line in api.log_path.read_text().splitlines() if BUG in line]
    assert status == 500
    assert body == {"code": "internal_error", "detail": "internal error; see the logs"}
    assert after == (200, {"status": "ok"})
    assert len(lines) == 1, lines
    assert "GET /bug" in lines[0]
    assert "RuntimeError" in lines[0]
