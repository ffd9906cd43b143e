"""Which throwaway server a test gets: a local binary where one is (or can be) installed,
otherwise mysql:8.4 in Docker where an engine answers. TEST_DATABASE_SERVER=local|docker forces
one."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tests.support.debian import MissingToolError
from tests.support.docker_server import DockerServer, docker_answers
from tests.support.mysql_server import LocalServer, ThrowawayServer


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
