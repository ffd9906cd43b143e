"""Which throwaway server a test or benchmark gets, and the set-up every caller repeats.

A local binary where one is (or can be) installed, otherwise mysql:8.4 in Docker where an engine
answers. TEST_DATABASE_SERVER=local|docker forces one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from harness.debian import MissingToolError
from harness.docker_server import DockerServer, docker_answers
from harness.mysql_server import LocalServer, ThrowawayServer
from harness.settings import migrate as migrate_to_head


def throwaway_server(base_dir: Path, extra_args: Sequence[str] = ()) -> ThrowawayServer:
    choice = os.environ.get("TEST_DATABASE_SERVER", "auto")
    if choice != "docker":
        try:
            return LocalServer(base_dir, extra_args)
        except MissingToolError as exc:
            if choice == "local" or not docker_answers():
                raise MissingToolError(
                    f"{exc}; and no Docker engine answers for mysql:8.4"
                ) from None
    return DockerServer(extra_args)


def started_server(base_dir: Path, extra_args: Sequence[str] = ()) -> ThrowawayServer:
    """A running server with the `app` user that the URLs log in as."""
    server = throwaway_server(base_dir, extra_args)
    server.start()
    server.create_app_user()
    return server


def new_database(server: ThrowawayServer, name: str | None = None, *, migrate: bool = True) -> str:
    """Create a database (a fresh name unless given) and return its URL, upgraded to head by the
    migrator's own code unless `migrate` is False."""
    url = server.url(server.create_database(name))
    if migrate:
        migrate_to_head(url)
    return url
