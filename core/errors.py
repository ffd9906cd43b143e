"""The errors this project raises on purpose, each carrying the exit code it ends a process with.

As click's exceptions carry `exit_code`, an entry point catches `ServiceError` once and exits
with `exc.exit_code`; `meaning` is the line the exit-code table (`migrate --help`, README) shows.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """The migrator's exit codes: its contract with Compose, Kubernetes and scripts."""

    OK = 0
    MIGRATION_FAILED = 1
    CONFIG_ERROR = 2
    DB_UNREACHABLE = 3
    DB_REJECTED = 4
    LOCK_TIMEOUT = 5
    SCHEMA_NOT_READY = 6
    MODELS_DIFFER = 7
    METADATA_LOCK_TIMEOUT = 8
    LINT_FINDINGS = 9
    NEEDS_REPAIR = 10
    SCHEMA_DIVERGED = 11
    SERVER_SILENT = 12
    REVISION_CHANGED = 13
    # A signal ends the process with 128 + its number, as shells report it: 130 SIGINT, 143 SIGTERM.
    SIGNAL_BASE = 128


class ServiceError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: ClassVar[ExitCode] = ExitCode.MIGRATION_FAILED
    meaning: ClassVar[str] = ""


class ConfigurationError(ServiceError):
    """A setting is missing, malformed or contradictory; the message names the variable."""

    exit_code = ExitCode.CONFIG_ERROR
    meaning = (
        "usage or configuration error (bad variable, malformed URL, missing driver, "
        "unknown revision)"
    )
