"""The API started before the migrator: every route that needs the schema answers 503 JSON
naming the cause, and works once the migrator has run, without a restart."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.web import create_app
from harness.settings import migrate, settings_for

CALLS = [("post", "/info", {"desc": "early"}), ("get", "/info/1", None), ("get", "/info", None)]


def test_before_and_after_the_migrator(database_url: str) -> None:
    settings = settings_for(database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = [client.request(method, path, data=data) for method, path, data in CALLS]
        migrate(database_url)
        after = [client.request(method, path, data=data) for method, path, data in CALLS]

    for response in before:
        assert response.status_code == 503
        assert response.json()["code"] == "schema_not_ready"
        assert response.json()["detail"].startswith("schema not ready: run the migrator")
        assert response.headers["Retry-After"] == "1"
    assert before[0].json()["write"] == "not_written"
    assert [response.status_code for response in after] == [201, 200, 200]
