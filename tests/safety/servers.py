"""The servers the matrix starts: the one its cells share, the big source's, and one for each
cell that freezes its server (each with a temp dir of its own: harness.mysql_server)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from harness.mysql_server import ThrowawayServer
from harness.servers import started_server


def matrix_server(base_dir: Path) -> ThrowawayServer:
    """A started server with the `app` user, its data below `base_dir`."""
    return started_server(base_dir / "mysql")


@contextmanager
def own_server(base_dir: Path) -> Iterator[ThrowawayServer]:
    """A server no other cell uses, stopped (thawed first) when the block ends."""
    server = matrix_server(base_dir)
    try:
        yield server
    finally:
        with suppress(RuntimeError):  # a container that was never paused
            server.thaw()  # SIGCONT: nothing to a running server
        server.stop()


@contextmanager
def frozen(server: ThrowawayServer) -> Iterator[float]:
    """The server stopped (SIGSTOP) for the block, which gets the moment it froze; thawed
    however the block ends."""
    server.freeze()
    try:
        yield time.monotonic()
    finally:
        server.thaw()
