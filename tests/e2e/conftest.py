"""The e2e suite needs a Docker engine; without one it fails in one line (or, with
E2E_OPTIONAL=1, is skipped with that line as the reason)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.compose import ComposeProject, engine_problem, python_version


@pytest.fixture(scope="session")
def compose_project() -> Iterator[ComposeProject]:
    problem = engine_problem()
    if problem is not None:
        if os.environ.get("E2E_OPTIONAL") == "1":
            pytest.skip(f"e2e skipped because E2E_OPTIONAL=1: {problem}")
        pytest.fail(f"e2e needs Docker: {problem}", pytrace=False)
    project = ComposeProject(python_version())
    try:
        yield project
    finally:
        project.down()
