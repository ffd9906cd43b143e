"""Exceptions shared by the API and the migrator; each entry point translates them once."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(ServiceError):
    """A setting is missing, malformed or contradictory; the message names the variable."""
