"""A throwaway PostgreSQL server for the tests: Debian's initdb and postgres in a temp dir.

A process of our own, as harness/mysql_server.py runs MariaDB, because the outage tests kill,
freeze and restart the server when they choose. Two things differ from MySQL:

- PostgreSQL runs one process per session: SIGSTOP of the postmaster alone leaves every open
  session answering, so freeze() stops the whole process tree and kill() kills it.
- PostgreSQL refuses to run as root. As root, the cluster belongs to a system user of its own
  (SYSTEM_USER) and lives in a directory that user owns under /tmp, beside pytest's tree rather
  than in it: pytest keeps /tmp/pytest-of-root at mode 0700 and puts that mode back at the start
  of every pytest run, so a chmod of the parents would be undone by any other run meanwhile. The
  log stays in the caller's base_dir (we open it) and base_dir/cluster points at the cluster.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.abc import Query
from psycopg.rows import TupleRow

from harness.debian import MissingToolError, ensure_binary
from harness.mysql_server import APP_PASSWORD, APP_USER, free_port

PACKAGE = "postgresql"
SUPERUSER = "postgres"
SYSTEM_USER = "pgharness"
START_TIMEOUT = 30.0
# Speed over durability against a crash of the machine, which a throwaway cluster does not
# outlive. Not synchronous_commit=off: it acknowledges a commit before its WAL reaches even the
# kernel, so kill() would lose commits the client saw succeed, which no real crash does (with
# fsync off, the write() it waits for costs nothing measurable).
SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "listen_addresses": "127.0.0.1",
    "logging_collector": "off",
}


def postgres_bin_dir() -> Path:
    """The newest installed major's binaries (Debian keeps each in /usr/lib/postgresql/N/bin)."""
    found = _newest_bin_dir()
    if found is None:
        # ensure_binary installs the package (as root, with apt), then says initdb is missing:
        # Debian puts no initdb on PATH. Look again where Debian does put it.
        with contextlib.suppress(MissingToolError):
            ensure_binary(PACKAGE, "initdb")
        found = _newest_bin_dir()
    if found is None:
        raise MissingToolError(f"initdb is missing: install Debian's {PACKAGE} (as root: apt-get)")
    return found


def _newest_bin_dir() -> Path | None:
    bin_dirs = [initdb.parent for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    majors = [bin_dir for bin_dir in bin_dirs if bin_dir.parent.name.isdigit()]
    return max(majors, key=lambda bin_dir: int(bin_dir.parent.name), default=None)


def _system_user() -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SYSTEM_USER)
    # Not checked: a test process starting beside us may have created it first.
    subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True, check=False,
    )  # fmt: skip
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise MissingToolError(f"cannot create the system user {SYSTEM_USER} (useradd)") from None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) from /proc/<pid>/stat, or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2, the command name, is in parentheses and may hold spaces: read what follows it.
    state, ppid = stat.rpartition(")")[2].split()[:2]
    return state, int(ppid)


def _children(pid: int) -> list[int]:
    """The backends and workers a postmaster forked (no /proc/<pid>/task/*/children everywhere)."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [child for child in pids if (_stat(child) or ("", 0))[1] == pid]


def _wait_until(pids: list[int], states: str, timeout: float = 10) -> None:
    """Signals arrive asynchronously: wait until each process is in one of `states` (or gone)."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        while (stat := _stat(pid)) is not None and stat[0] not in states:
            if time.monotonic() > deadline:
                raise RuntimeError(f"process {pid} stays in state {stat[0]}, not one of {states}")
            time.sleep(0.005)


class PostgresServer:
    """One postmaster with its own data directory, port and unix socket directory."""

    def __init__(
        self, base_dir: Path, port: int | None = None, settings: Mapping[str, str] | None = None
    ) -> None:
        self.bin_dir = postgres_bin_dir()
        self.base_dir = base_dir
        self.port = port or free_port()
        self.log_file = base_dir / "postgres.log"
        self.settings = {**SETTINGS, **(settings or {})}
        self._owner = _system_user() if os.geteuid() == 0 else None
        base_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_dir = self._make_cluster_dir()
        self.data_dir = self.cluster_dir / "data"
        self.socket_dir = self.cluster_dir / "socket"
        self._process: subprocess.Popen[bytes] | None = None
        self._frozen: list[int] = []
        atexit.register(self._at_exit)
        self._initialise()

    def _make_cluster_dir(self) -> Path:
        if self._owner is None:
            return self.base_dir
        cluster_dir = Path(tempfile.mkdtemp(prefix=f"{SYSTEM_USER}-", dir="/tmp"))
        os.chown(cluster_dir, self._owner.pw_uid, self._owner.pw_gid)
        (self.base_dir / "cluster").symlink_to(cluster_dir)
        return cluster_dir

    def _spawn(self, command: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
        """Run as the cluster's owner: Popen's user= execs in place, so the pid is postgres's own
        (runuser would stay in between as its parent)."""
        owner = self._owner
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.cluster_dir,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,
            start_new_session=True,  # a Ctrl-C of the test run reaches pytest, not the server
        )

    def _initialise(self) -> None:
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if self._owner is not None:
            os.chown(self.socket_dir, self._owner.pw_uid, self._owner.pw_gid)
        # Trust on the socket (the harness's superuser), real passwords over TCP (the app's
        # logins): a wrong password must fail here as it does in production.
        command = [
            str(self.bin_dir / "initdb"), f"--pgdata={self.data_dir}", f"--username={SUPERUSER}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
            "--no-sync",
        ]  # fmt: skip
        with self.log_file.open("ab") as log:
            returncode = self._spawn(command, log).wait(timeout=120)
        if returncode != 0:
            raise RuntimeError(f"initdb exited with {returncode}; see {self.log_file}")

    def command(self) -> list[str]:
        settings = {
            **self.settings,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
        }
        options = [part for key, value in settings.items() for part in ("-c", f"{key}={value}")]
        return [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), *options]

    def start_in_background(self) -> None:
        """Start without waiting, for tests that race the server's start-up."""
        with self.log_file.open("ab") as log:
            self._process = self._spawn(self.command(), log)

    def start(self) -> None:
        """Start and wait (bounded) until the superuser can log in."""
        self.start_in_background()
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.admin_connection().close()
                return
            except psycopg.OperationalError:
                if (returncode := self._process.poll()) is not None:
                    self._process = None
                    raise RuntimeError(
                        f"postgres exited with {returncode} while starting; see {self.log_file}"
                    ) from None
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"postgres on port {self.port} accepted no connection within "
                        f"{START_TIMEOUT:.0f} s; see {self.log_file}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown: SIGINT disconnects the sessions (SIGTERM would wait for each to end)."""
        if self._process is None:
            return
        self.thaw()
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        self._process = None

    def kill(self) -> None:
        """SIGKILL of the postmaster and its backends, as a crash looks to clients.

        The backends too: an orphaned backend lives on until it next waits, and while it lives
        a new postmaster refuses to start ("pre-existing shared memory block is still in use")."""
        if self._process is None:
            return
        postmaster = self._process.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(postmaster, signal.SIGSTOP)  # it forks nothing more while we list children
        children = _children(postmaster)
        # Backends first: one that outlives the postmaster for a moment sees it gone and tells
        # its client "unexpected postmaster exit"; a crash of the whole server says nothing.
        for pid in [*children, postmaster]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._process.wait()
        _wait_until(children, "Z")  # a zombie holds no shared memory
        self._process = None
        self._frozen = []

    def freeze(self) -> None:
        """SIGSTOP of the postmaster and every backend: TCP connects still complete (the kernel
        answers them), but no login and no statement gets an answer."""
        postmaster = self._pid()
        os.kill(postmaster, signal.SIGSTOP)  # first, so that it forks no backend meanwhile
        self._frozen = [postmaster, *_children(postmaster)]
        for pid in self._frozen[1:]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        _wait_until(self._frozen, "TtZ")

    def thaw(self) -> None:
        """SIGCONT: the hung server carries on where it stopped."""
        for pid in reversed(self._frozen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._frozen = []

    def _pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process.pid

    def _at_exit(self) -> None:
        self.kill()  # a frozen server would otherwise stay stopped, and in memory, for good
        if self._owner is not None:
            shutil.rmtree(self.cluster_dir, ignore_errors=True)

    def admin_connection(self, database: str | None = None) -> psycopg.Connection[TupleRow]:
        """The superuser over the unix socket, in autocommit mode."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname=database or "postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def admin_sql(self, *statements: Query, database: str | None = None) -> None:
        with self.admin_connection(database) as connection:
            for statement in statements:
                connection.execute(statement)

    @property
    def version(self) -> int:
        """server_version_num, e.g. 150018 for 15.18."""
        with self.admin_connection() as connection:
            return connection.info.server_version

    def create_app_user(self) -> None:
        with self.admin_connection() as connection:
            query = "SELECT 1 FROM pg_roles WHERE rolname = %s"
            if connection.execute(query, (APP_USER,)).fetchone() is None:
                connection.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(APP_USER), sql.Literal(APP_PASSWORD)
                    )
                )

    def create_database(self, name: str | None = None) -> str:
        """A fresh database owned by the app role (create_app_user first)."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("CREATE DATABASE {} OWNER {}")
        self.admin_sql(statement.format(sql.Identifier(name), sql.Identifier(APP_USER)))
        return name

    def drop_database(self, name: str) -> None:
        """FORCE (13+): sessions a test left open do not block the drop."""
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self.admin_sql(statement.format(sql.Identifier(name)))

    def url(self, database: str, user: str = APP_USER, password: str = APP_PASSWORD) -> str:
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"postgresql+psycopg://{credentials}@127.0.0.1:{self.port}/{database}"
