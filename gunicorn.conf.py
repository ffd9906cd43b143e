"""Gunicorn configuration: `gunicorn -c gunicorn.conf.py` alone serves the API.

Values come from the project's settings class (PORT, WEB_CONCURRENCY, GRACEFUL_TIMEOUT, ...).
"""

import gc
import os
import shutil
import tempfile

from core.settings import get_settings
from migrator.config.logging_setup import logging_dict

_settings = get_settings()

# prometheus-client's multiprocess mode (api/metrics.py): every worker writes its values to
# files here, read together by GET /metrics. Set before any worker imports prometheus_client;
# a fresh directory per master, so that no earlier run's values are summed in.
if _settings.metrics_enabled and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="info-service-metrics-")

wsgi_app = "api.web:create_app()"
worker_class = "uvicorn_worker.UvicornWorker"
bind = [f"{_settings.bind_host}:{_settings.port}"]
workers = _settings.web_concurrency
graceful_timeout = _settings.graceful_timeout
# The worker heartbeat; a request that holds a worker this long is killed and restarted.
timeout = 60
keepalive = 5
accesslog = "-" if _settings.access_log else None
logconfig_dict = logging_dict(_settings.log_format, _settings.log_level)
# Containers mount /tmp as tmpfs or emptyDir; /dev/shm keeps the heartbeat off slow disks.
worker_tmp_dir = "/dev/shm"  # noqa: S108
# No control socket: it needs a writable $HOME, and containers are managed from outside.
control_socket_disable = True

# Measured in bench/README.md: fewer, shorter collector pauses halve the p99 under load. The
# objects alive after start-up (app, models, SQLAlchemy and pydantic internals) are frozen out
# of every collection, and the youngest generation is collected less often; request garbage is
# acyclic and freed by reference counting anyway.
GC_GEN0_THRESHOLD = 50_000


def post_worker_init(_worker: object) -> None:
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 50, 100)


def child_exit(_server: object, worker: object) -> None:
    """A dead worker's live gauges (busy writer threads, queue depth) stop counting."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined,no-untyped-call]


def on_exit(_server: object) -> None:
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if metrics_dir.startswith(tempfile.gettempdir()) and "info-service-metrics-" in metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)
