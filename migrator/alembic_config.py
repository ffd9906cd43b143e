"""Alembic's configuration, built in code from the settings (alembic.ini is for the Alembic CLI)."""

from __future__ import annotations

import sys
from typing import TextIO

from alembic.config import Config
from sqlalchemy import Connection

from core.settings import Settings


def alembic_config(
    settings: Settings, connection: Connection | None = None, stdout: TextIO = sys.stdout
) -> Config:
    config = Config(stdout=stdout, output_buffer=stdout)
    # ConfigParser interpolates "%": escape it in paths.
    config.set_main_option(
        "script_location", str(settings.alembic_script_location).replace("%", "%%")
    )
    if connection is not None:
        # The cookbook's "sharing a connection" recipe: env.py runs on the locked connection.
        config.attributes["connection"] = connection
    return config
