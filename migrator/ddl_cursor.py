"""The migrator's MySQL session: DDL that never stalls the API's writes behind a metadata lock.

An ALTER waits for the exclusive metadata lock of its table, and while it waits every statement
that touches the table queues behind it: an open transaction elsewhere turns a pending ALTER
into stalled writes for up to `lock_wait_timeout` (a year by default on MySQL, a day on
MariaDB). As gh-ost and pt-online-schema-change do, the session runs with a short
lock_wait_timeout (MIGRATOR_LOCK_WAIT_TIMEOUT), and a DDL statement that times out (1205,
ER_LOCK_WAIT_TIMEOUT) is retried, that statement alone, with backoff, until
MIGRATOR_DDL_RETRY_BUDGET runs out. MySQL commits each DDL statement by itself, and one that
timed out changed nothing, so repeating it is safe; between tries the queued writes flow.

Once connected, the session has no client read timeout: a long ALTER (an index on a big table,
a rebuild) is never cut off by the client while the server goes on running it. The handshake
and the wait's first `SELECT 1` are bounded by DB_CONNECT_TIMEOUT, so a hung server is still
waited for, not hung on.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pymysql
from sqlalchemy import Connection
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from core.db_errors import mysql_error_code
from core.settings import Settings
from migrator.errors import MetadataLockTimeout
from migrator.lock_wait import session_lock_wait
from migrator.metadata_locks import altered_table, describe_blockers, find_blockers
from migrator.signals import sleep_unless_terminated, termination_requested
from migrator.sql_statements import is_ddl

log = logging.getLogger(__name__)

ER_LOCK_WAIT_TIMEOUT = 1205
LOG_EVERY_SECONDS = 5.0
COMMIT_MARGIN_SECONDS = 1.0


def is_lock_wait_timeout(exc: BaseException) -> bool:
    return (
        isinstance(exc, pymysql.err.OperationalError)
        and mysql_error_code(exc) == ER_LOCK_WAIT_TIMEOUT
    )


class DdlRetryingCursor(pymysql.cursors.Cursor):  # type: ignore[misc]
    """PyMySQL's cursor, retrying a DDL statement that timed out waiting for a metadata lock."""

    lock_wait_timeout: int = 2
    retry_budget: float = 600.0
    commit_retries: int = 2

    def execute(self, query: Any, args: Any = None) -> int:
        text = query.decode() if isinstance(query, bytes) else str(query)
        if not is_ddl(text):
            return int(super().execute(query, args))
        timeout = session_lock_wait(self.connection, self.lock_wait_timeout)
        waiting = _LockWait(self.connection, text, timeout, self.retry_budget)
        retrying = Retrying(
            stop=stop_before_delay(self.retry_budget),
            wait=wait_exponential_jitter(multiplier=0.5, max=5.0, jitter=0.5),
            retry=retry_if_exception(lambda exc: waiting.retry(exc, self.commit_retries)),
            before_sleep=waiting.log,
            sleep=sleep_unless_terminated,
            reraise=True,
        )
        try:
            return int(retrying(waiting.attempt, super().execute, query, args))
        except pymysql.err.OperationalError as exc:
            if not is_lock_wait_timeout(exc):
                raise
            raise MetadataLockTimeout(waiting.gave_up()) from None


class _LockWait:
    """One DDL statement's attempts: timed, logged at a bounded rate, and the message when it
    gives up. An attempt that ran longer than the lock wait before timing out did its work and
    lost it at commit (an INPLACE ALTER takes the exclusive lock again to finish)."""

    def __init__(self, connection: Any, statement: str, timeout: int, budget: float) -> None:
        self.connection = connection
        self.statement = " ".join(statement.split())[:120]
        self.table = altered_table(statement)
        self.timeout = timeout
        self.budget = budget
        self.started = time.monotonic()
        self.logged_at: float | None = None
        self.attempt_seconds = 0.0
        self.rolled_back_at_commit = 0

    def attempt(self, execute: Any, query: Any, args: Any) -> Any:
        began = time.monotonic()
        try:
            return execute(query, args)
        finally:
            self.attempt_seconds = time.monotonic() - began

    def retry(self, exc: BaseException, commit_retries: int) -> bool:
        if not is_lock_wait_timeout(exc) or termination_requested() is not None:
            return False
        if self.attempt_seconds <= self.timeout + COMMIT_MARGIN_SECONDS:
            return True
        self.rolled_back_at_commit += 1
        log.warning(
            "%r rolled back at commit after %.0f s: it waited lock_wait_timeout=%d s for the "
            "exclusive metadata lock it takes to finish; %s",
            self.statement,
            self.attempt_seconds,
            self.timeout,
            self._blockers(),
            extra={"attempt": self.rolled_back_at_commit},
        )
        return self.rolled_back_at_commit <= commit_retries

    def log(self, state: RetryCallState) -> None:
        now = time.monotonic()
        if self.logged_at is not None and now - self.logged_at < LOG_EVERY_SECONDS:
            return
        self.logged_at = now
        log.warning(
            "waiting on a metadata lock: %r gave up after lock_wait_timeout=%d s and will be "
            "retried; %s",
            self.statement,
            self.timeout,
            self._blockers(),
            extra={"attempt": state.attempt_number, "elapsed": round(now - self.started, 3)},
        )

    def gave_up(self) -> str:
        waited = time.monotonic() - self.started
        at_commit = (
            f", {self.rolled_back_at_commit} time(s) rolled back at commit "
            "(MIGRATOR_COMMIT_LOCK_RETRIES; migrator.lock_wait.longer_lock_wait gives one "
            "statement longer)"
            if self.rolled_back_at_commit
            else ""
        )
        return (
            f"{self.statement!r} waited on a metadata lock for {waited:.0f} s "
            f"(MIGRATOR_DDL_RETRY_BUDGET={self.budget:g}{at_commit}); {self._blockers()}. "
            "Nothing of this statement was applied"
        )

    def _blockers(self) -> str:
        return describe_blockers(find_blockers(self.connection, self.table))


def ddl_connect_args(settings: Settings) -> dict[str, Any]:
    """PyMySQL arguments for the migrator's connection (see the module docstring)."""
    cursor = type(
        "MigratorCursor",
        (DdlRetryingCursor,),
        {
            "lock_wait_timeout": settings.migrator_lock_wait_timeout,
            "retry_budget": settings.migrator_ddl_retry_budget,
            "commit_retries": settings.migrator_commit_lock_retries,
        },
    )
    return {
        "cursorclass": cursor,
        "init_command": f"SET SESSION lock_wait_timeout = {settings.migrator_lock_wait_timeout}",
        "read_timeout": settings.db_connect_timeout,
        "write_timeout": None,
    }


def unbound_reads(connection: Connection) -> None:
    """Lift the client read timeout of a connected session (see the module docstring)."""
    dbapi_connection = connection.connection.dbapi_connection
    # PyMySQL has no public setter; it re-applies _read_timeout to the socket before each read.
    if isinstance(dbapi_connection, pymysql.connections.Connection):
        dbapi_connection._read_timeout = None
