"""Settings that must keep an order fail at start-up, naming both variables; the probes leave
/readyz its READINESS_TIMEOUT."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from core.errors import ConfigurationError
from core.settings import PROJECT_ROOT, Settings, get_settings


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("environment", "shorter", "longer"),
    [
        (
            {"DB_WRITE_QUEUE_TIMEOUT": "5", "DB_REQUEST_TIMEOUT": "5"},
            "DB_WRITE_QUEUE_TIMEOUT",
            "DB_REQUEST_TIMEOUT",
        ),
        (
            {"DB_REQUEST_TIMEOUT": "30", "DB_WRITE_QUEUE_TIMEOUT": "3", "GRACEFUL_TIMEOUT": "20"},
            "DB_REQUEST_TIMEOUT",
            "GRACEFUL_TIMEOUT",
        ),
    ],
)
def test_out_of_order_budgets_name_both_variables(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], shorter: str, longer: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as error:
        get_settings()

    assert f"{shorter} ({environment[shorter]}) must be below {longer}" in str(error.value)


def _api_container() -> dict[str, Any]:
    deployment = yaml.safe_load(
        (PROJECT_ROOT / "deploy" / "k8s" / "base" / "deployment.yaml").read_text()
    )
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "api")


def test_readiness_answers_inside_the_probes_timeout() -> None:
    api = _api_container()
    readiness_timeout = Settings().readiness_timeout

    for probe in ("startupProbe", "readinessProbe"):
        assert api[probe]["httpGet"]["path"] == "/readyz"
        assert readiness_timeout < api[probe]["timeoutSeconds"], probe
