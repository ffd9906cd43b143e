"""The servers the matrix starts: the one its cells share, the big source's, and one for each
cell that freezes its server (each with a temp dir of its own: harness.mysql_server)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from harness.mysql_server import ThrowawayServer
from tests.safety.engines import Engine, Server, start_server


def matrix_server(base_dir: Path) -> ThrowawayServer:
    """A started MySQL-compatible server with the `app` user, its data below `base_dir`."""
    server = start_server(Engine.MYSQL, base_dir)
    assert isinstance(server, ThrowawayServer)
    return server


@contextmanager
def own_server(engine: Engine, base_dir: Path) -> Iterator[Server]:
    """A server no other cell uses, stopped (thawed first) when the block ends."""
    server = start_server(engine, base_dir)
    try:
        yield server
    finally:
        with suppress(RuntimeError):  # a container that was never paused
            server.thaw()  # SIGCONT: nothing to a running server
        server.stop()


@contextmanager
def frozen(server: Server) -> Iterator[float]:
    """The server stopped (SIGSTOP) for the block, which gets the moment it froze; thawed
    however the block ends."""
    server.freeze()
    try:
        yield time.monotonic()
    finally:
        server.thaw()
