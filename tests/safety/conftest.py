"""The safety matrix's one fixture: the cells selected in this session, run side by side once
(tests/safety/matrix.py), on a server of each engine they share and on servers of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.debian import MissingToolError
from tests.safety.cells import Cell
from tests.safety.engines import Engine, start_server
from tests.safety.matrix import Matrix


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every cell needs a server, as tests/conftest.py marks the tests that reach its fixtures.
    for item in items:
        if item.get_closest_marker("safety_matrix") is not None:
            item.add_marker(pytest.mark.server)


def selected_cells(items: list[pytest.Item]) -> list[Cell]:
    cells = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        cell = callspec.params.get("cell") if callspec is not None else None
        if isinstance(cell, Cell):
            cells.append(cell)
    return cells


@pytest.fixture(scope="session")
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    tmp = tmp_path_factory.mktemp("matrix")
    try:
        shared = {engine: start_server(engine, tmp / "shared") for engine in Engine}
    except MissingToolError as exc:
        pytest.fail(str(exc), pytrace=False)
    running = Matrix(shared, tmp)
    running.start(selected_cells(request.session.items))
    yield running
    running.close()
