"""The errors this project raises on purpose, each carrying the exit code it ends a process with.

As click's exceptions carry `exit_code`, an entry point catches `ServiceError` once and exits
with `exc.exit_code`; `meaning` is the line the exit-code table (`migrate --help`, README) shows.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: ClassVar[int] = 1


class ConfigurationError(ServiceError):
    """A setting is missing, malformed or contradictory; the message names the variable."""

    exit_code = 2
