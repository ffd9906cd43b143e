"""A throwaway MySQL-compatible server for the tests and benchmarks.

Here: the interface the tests use, and a real mariadbd/mysqld in a temp dir (LocalServer).
tests/support/docker_server.py runs mysql:8.4 in a container instead; tests/support/servers.py
chooses.

pytest-mysql runs the server under mysqld_safe, which restarts a killed server by itself; the
outage and late-start tests need to kill it and start it when they choose, so this harness
drives the server binary directly (through mirakuru, the process manager pytest-mysql uses).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import pymysql
from mirakuru import TCPExecutor
from mirakuru.exceptions import ProcessFinishedWithError

from harness.debian import MissingToolError, ensure_binary

APP_USER = "app"
APP_PASSWORD = "app-test-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayServer(ABC):
    """What the tests need of a server: start it late, kill it, log in as root and as `app`."""

    port: int

    @abstractmethod
    def start(self) -> None:
        """Start and wait until root can log in."""

    @abstractmethod
    def start_in_background(self) -> None:
        """Start without waiting, for tests that race the server's start-up."""

    @abstractmethod
    def kill(self) -> None:
        """SIGKILL: the outage, as a crash looks to clients."""

    @abstractmethod
    def freeze(self) -> None:
        """SIGSTOP: the server still accepts TCP connections but answers nothing (a hang)."""

    @abstractmethod
    def thaw(self) -> None:
        """SIGCONT: the hung server carries on."""

    @abstractmethod
    def stop(self) -> None:
        """Shut down cleanly (also a server started in the background)."""

    @abstractmethod
    def admin_connection(self, database: str | None = None) -> pymysql.Connection:
        """A root connection in autocommit mode."""

    def admin_sql(self, *statements: str, database: str | None = None) -> None:
        connection = self.admin_connection(database)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def running(self, statement: str) -> int:
        """How many sessions run `statement` now (information_schema.PROCESSLIST)."""
        with self.admin_connection() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = %s", (statement,)
            )
            (count,) = cursor.fetchone()
        return int(count)

    def wait_until_running(
        self, statement: str, process: subprocess.Popen[str], timeout: float = 30
    ) -> float:
        """Wait until `process` (a migrator) runs `statement` on the server; return that moment."""
        deadline = time.monotonic() + timeout
        while self.running(statement) == 0:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, f"{statement!r} never started"
            time.sleep(0.1)
        return time.monotonic()

    def create_app_user(self) -> None:
        self.admin_sql(
            f"CREATE USER IF NOT EXISTS '{APP_USER}'@'%' IDENTIFIED BY '{APP_PASSWORD}'",
            f"GRANT ALL PRIVILEGES ON *.* TO '{APP_USER}'@'%'",
        )

    def create_database(self, name: str | None = None) -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self.admin_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        return name

    def drop_database(self, name: str) -> None:
        self.admin_sql(f"DROP DATABASE IF EXISTS `{name}`")

    def url(self, database: str, user: str = APP_USER, password: str = APP_PASSWORD) -> str:
        return f"mysql+pymysql://{user}:{password}@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def first_accept(self, timeout: float = 60) -> float:
        """Poll as the app user until the server accepts a login; return that moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pymysql.connect(
                    host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD
                ).close()
                return time.monotonic()
            except pymysql.err.OperationalError:
                time.sleep(0.005)
        raise MissingToolError(f"server on port {self.port} never accepted a connection")


class LocalServer(ThrowawayServer):
    """One mariadbd (or mysqld) process with its own data directory, port and socket."""

    def __init__(self, base_dir: Path, extra_args: Sequence[str] = (), port: int | None = None):
        self.binary = ensure_binary("mariadb-server", "mariadbd", "mysqld")
        self.base_dir = base_dir
        self.datadir = base_dir / "data"
        # Its own: a MariaDB server (and mariadb-install-db's bootstrap) deletes every `#sql*`
        # file in its tmpdir as it starts, so servers sharing /tmp break each other's temporary
        # tables when they start side by side.
        self.tmpdir = base_dir / "tmp"
        self.socket = str(base_dir / "mysqld.sock")
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self._executor: TCPExecutor | None = None
        self._background: subprocess.Popen[bytes] | None = None
        self._initialise()

    @property
    def is_mariadb(self) -> bool:
        return "mariadb" in self.binary

    def _initialise(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.tmpdir.mkdir(exist_ok=True)
        user = ["--user=root"] if os.geteuid() == 0 else []
        if self.is_mariadb:
            installer = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if installer is None:
                raise MissingToolError("mariadb-install-db is missing (package mariadb-server)")
            command = [
                installer,
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *user,
            ]
        else:
            command = [
                self.binary,
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                *user,
            ]
        environment = {**os.environ, "TMPDIR": str(self.tmpdir)}
        subprocess.run(command, check=True, capture_output=True, env=environment)

    def command(self) -> list[str]:
        return [
            self.binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--tmpdir={self.tmpdir}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={self.base_dir / 'mysqld.pid'}",
            f"--log-error={self.base_dir / 'error.log'}",
            "--character-set-server=utf8mb4",
            "--innodb-buffer-pool-size=64M",
            "--max-connections=600",
            *(["--user=root"] if os.geteuid() == 0 else []),
            *self.extra_args,
        ]

    def start(self) -> None:
        # Its own error.log gets everything; the start-up chatter stays off the test output.
        self._executor = TCPExecutor(
            self.command(),
            host="127.0.0.1",
            port=self.port,
            timeout=60,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._executor.start()
        self._wait_for_socket()

    def start_in_background(self) -> None:
        self._background = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def _wait_for_socket(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.admin_connection().close()
                return
            except pymysql.err.OperationalError:
                time.sleep(0.05)
        raise MissingToolError(f"server on port {self.port} did not answer; see its error.log")

    def kill(self) -> None:
        if self._executor is not None:
            self._executor.kill(sig=signal.SIGKILL)
            self._executor = None

    def freeze(self) -> None:
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: signal.Signals) -> None:
        if self._executor is None or self._executor.process is None:
            raise RuntimeError("the server is not running")
        os.kill(self._executor.process.pid, signum)

    def stop(self) -> None:
        if self._executor is not None:
            try:
                self._executor.stop()
            except ProcessFinishedWithError as exc:
                # Killed after its shutdown outlasted the timeout (a big rollback after a thaw,
                # on a loaded machine): nothing of a throwaway server is kept anyway.
                if exc.exit_code != -signal.SIGKILL:
                    raise
            self._executor = None
        if self._background is not None:
            self._background.terminate()
            self._background.wait(timeout=60)
            self._background = None

    def admin_connection(self, database: str | None = None) -> pymysql.Connection:
        return pymysql.connect(
            unix_socket=self.socket, user="root", database=database, autocommit=True
        )
