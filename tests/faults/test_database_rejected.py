"""The schema stops taking this build's INSERT (a NOT NULL column without a default, added
behind the API's back): a permanent refusal is a 500 without Retry-After, logged once."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from harness.api_process import StartApi
from harness.http import post_info, post_info_answer
from harness.mysql_server import ThrowawayServer

ER_NO_DEFAULT_FOR_FIELD = 1364


def _rejections_counted(base: str) -> float:
    import urllib.request

    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "db_errors_total" and sample.labels.get("kind") == "database_rejected"
    )


def test_a_not_null_column_without_default_is_a_500_logged_once(
    own_server: ThrowawayServer, dml_url: str, start_api: StartApi
) -> None:
    api = start_api(dml_url, web_concurrency=1)
    assert post_info(api.base, "before the change")[0] == 201

    own_server.admin_sql("ALTER TABLE app.some_infos ADD COLUMN owner VARCHAR(64) NOT NULL")
    answer = post_info_answer(api.base, "after the change")

    lines = [line for line in api.log_path.read_text().splitlines() if "1364" in line]
    assert answer.status == 500
    assert answer.body["code"] == "database_rejected"
    assert answer.body["write"] == "not_written"
    assert "retry-after" not in answer.headers
    assert len(lines) == 1, lines
    assert "POST /info" in lines[0]
    assert "Field 'owner' doesn't have a default value" in lines[0]
    assert _rejections_counted(api.base) == 1
