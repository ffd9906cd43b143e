"""GET /metrics counts every gunicorn worker (prometheus-client's multiprocess mode) and labels
requests by route template, never by raw path."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from harness.api_process import StartApi
from harness.http import get_status, post_info

POSTS = 40


def _scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _created(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    labels = (("method", "POST"), ("route", "/info"), ("status", "201"))
    return samples.get(("http_requests_total", labels), 0.0)


def test_metrics_count_every_worker(migrated_mysql_url: str, start_api: StartApi) -> None:
    api = start_api(migrated_mysql_url, web_concurrency=2)
    before = _scrape(api.base)
    ids = [post_info(api.base, f"counted {n}")[1]["id"] for n in range(POSTS)]
    for info_id in ids[:5]:
        assert get_status(api.base, f"/info/{info_id}") == 200
    after = _scrape(api.base)

    routes = {dict(labels).get("route") for name, labels in after if name.startswith("http_")}
    names = {name for name, _ in after}
    assert len(api.worker_pids()) == 2
    assert _created(after) - _created(before) == POSTS
    assert "/info/{info_id}" in routes
    assert not [route for route in routes if route and route[-1].isdigit()]
    assert {
        "http_request_duration_seconds_bucket",
        "info_writer_threads_busy",
        "info_writer_queue_depth",
        "db_pool_connections_in_use",
    } <= names
