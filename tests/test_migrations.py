"""pytest-alembic's built-in checks on MySQL-compatible storage and on SQLite.

Single head, upgrade from base to head, the stairway down and up again, and no drift between
the models and the DDL the migrations produce.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Engine, create_engine

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()
