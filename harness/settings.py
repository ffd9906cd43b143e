"""Settings for a test database, independent of the machine's environment variables."""

from __future__ import annotations

from core.settings import Settings


def settings_for(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, **overrides)  # type: ignore[arg-type]
