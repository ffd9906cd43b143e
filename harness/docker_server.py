"""mysql:8.4 (or TEST_DATABASE_IMAGE) in a container, for machines with Docker but no
MySQL-compatible server binary, and for CI that tests against the real images."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Sequence

import pymysql

from harness.debian import MissingToolError
from harness.mysql_server import ThrowawayServer, free_port

# TEST_DATABASE_IMAGE picks another MySQL-compatible image (the hosted CI's matrix runs
# mariadb:10.11 too); both take MYSQL_ROOT_PASSWORD.
IMAGE = os.environ.get("TEST_DATABASE_IMAGE", "mysql:8.4")
ROOT_PASSWORD = "root-test-pw"


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    info = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return info.returncode == 0


def _docker(*args: str) -> None:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {result.stderr.strip()}")


class DockerServer(ThrowawayServer):
    """One container, created on first start; kill and start keep its data, as a crash does."""

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.name = f"test-mysql-{uuid.uuid4().hex[:10]}"
        self.extra_args = list(extra_args)
        self._created = False
        # The container outlives stop() (a later start() keeps its data), not the test run.
        atexit.register(self.remove)

    def _run_or_start(self) -> None:
        if self._created:
            _docker("start", self.name)
            return
        _docker(
            "run", "--detach", "--name", self.name,
            "--publish", f"127.0.0.1:{self.port}:3306",
            "--env", f"MYSQL_ROOT_PASSWORD={ROOT_PASSWORD}",
            IMAGE, "--character-set-server=utf8mb4", "--max-connections=600", *self.extra_args,
        )  # fmt: skip
        self._created = True

    def start(self) -> None:
        self._run_or_start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                self.admin_connection().close()
                return
            except pymysql.err.OperationalError:
                time.sleep(0.2)
        raise MissingToolError(f"{IMAGE} container {self.name} did not answer within 180 s")

    def start_in_background(self) -> None:
        self._run_or_start()

    def kill(self) -> None:
        _docker("kill", "--signal", "KILL", self.name)

    def freeze(self) -> None:
        _docker("pause", self.name)

    def thaw(self) -> None:
        _docker("unpause", self.name)

    def stop(self) -> None:
        if self._created:
            _docker("stop", self.name)

    def remove(self) -> None:
        if self._created:
            subprocess.run(
                ["docker", "rm", "--force", "--volumes", self.name],
                capture_output=True,
                check=False,
            )
            self._created = False

    def admin_connection(self, database: str | None = None) -> pymysql.Connection:
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user="root",
            password=ROOT_PASSWORD,
            database=database,
            autocommit=True,
        )
