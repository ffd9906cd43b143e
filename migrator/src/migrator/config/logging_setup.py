"""Logging for every entry point: one event per line on stderr, text or JSON (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

# What every LogRecord has; anything else on a record came through `extra=` and is logged as a
# structured field of the event, whichever entry point added it. (uvicorn adds a coloured copy
# of some messages.)
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(record).items()
        if name not in _RECORD_ATTRIBUTES and value is not None
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        event |= event_fields(record)
        if record.exc_info:
            event["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(event, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = [f"{name}={value}" for name, value in event_fields(record).items()]
        # One line per event, even when a message spans lines (e.g. a driver error).
        return " ".join([line.replace("\n", " | "), *fields])


class SocketCloseNoise(logging.Filter):
    """Drop gunicorn's "Error while closing socket [Errno 9]" at each worker's normal exit.

    uvicorn's shutdown closes the listening sockets gunicorn handed it; gunicorn then closes the
    same ones and logs the EBADF at INFO. Nothing is wrong, and an operator reading shutdown logs
    should not have to learn that.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Error while closing socket") and "[Errno 9]" in message)


def logging_dict(log_format: str, level: str) -> dict[str, Any]:
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "filters": {"socket_close_noise": {"()": SocketCloseNoise}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {
                "level": level,
                "handlers": [],
                "propagate": True,
                "filters": ["socket_close_noise"],
            },
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            # Alembic announces its plugins and dialect at INFO each time a context is built;
            # the migrator logs each applied revision itself.
            "alembic.runtime.plugins": {"level": "WARNING", "handlers": [], "propagate": True},
            "alembic.runtime.migration": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(log_format: str, level: str) -> None:
    logging.config.dictConfig(logging_dict(log_format, level))
