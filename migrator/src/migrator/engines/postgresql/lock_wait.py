"""One statement's lock waits on PostgreSQL: lock_timeout (MIGRATOR_LOCK_WAIT_TIMEOUT) on every
guarded session, the sessions a waiting statement is blocked by sampled while it waits
(pg_blocking_pids, from the side connection), and what a timeout (55P03, or a deadlock 40P01)
leads to:

- a statement that is its own transaction (in an autocommit block) changed nothing: it alone is
  retried with backoff within MIGRATOR_DDL_RETRY_BUDGET;
- a statement inside the revision's transaction aborted that transaction: the error goes up as
  RevisionLockTimeout and the revision is retried whole (migrator.upgrade.apply), its DDL
  rolled back with it;
- a CONCURRENTLY statement (CREATE/DROP/REINDEX INDEX, DETACH PARTITION) waits without
  blocking the table's reads and writes (SHARE UPDATE EXCLUSIVE), but one that fails leaves an
  INVALID index behind and cannot simply be run again: it waits up to the whole budget instead,
  its blockers logged, and is never retried.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState

from migrator.engines.base import SideConnection
from migrator.engines.postgresql.errors import is_lock_timeout
from migrator.errors import MetadataLockTimeout, MigratorError, RevisionLockTimeout
from migrator.signals import termination_requested

log = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 5.0
# Statements that may wait for a table's lock long enough to be worth watching.
_MAY_WAIT = re.compile(
    r"^\s*(ALTER|CREATE|DROP|LOCK|TRUNCATE|REINDEX|CLUSTER|VACUUM|REFRESH|COMMENT|GRANT|REVOKE"
    r"|UPDATE|DELETE)\b",
    re.IGNORECASE,
)
_CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b", re.IGNORECASE)


def may_wait(statement: str) -> bool:
    return _MAY_WAIT.match(statement) is not None


def is_concurrently(statement: str) -> bool:
    return _CONCURRENTLY.search(statement) is not None


class PostgresLockWait:
    def __init__(
        self,
        side: SideConnection,
        session_id: int,
        dbapi_connection: Any,
        statement: str,
        timeout: int,
        budget: float,
    ) -> None:
        self.side = side
        self.session_id = session_id
        self.dbapi_connection = dbapi_connection
        self.statement = " ".join(statement.split())[:120]
        self.concurrently = is_concurrently(statement)
        self.own_transaction = bool(getattr(dbapi_connection, "autocommit", False))
        self.timeout = timeout
        self.budget = budget
        self.started = time.monotonic()
        self.logged_at: float | None = None
        self.blocked_by: str | None = None

    # -- LockWait (migrator.engines.base)
    def attempt(self, execute: Callable[[], Any]) -> Any:
        sampler = _Sampler(self)
        if self.concurrently:
            self._set_timeout(self.budget)
        try:
            return execute()
        finally:
            sampler.stop()
            if self.concurrently:
                self._set_timeout(self.timeout)

    def is_timeout(self, exc: BaseException) -> bool:
        return is_lock_timeout(exc)

    def retry(self, exc: BaseException, commit_retries: int) -> bool:
        if not is_lock_timeout(exc) or termination_requested() is not None:
            return False
        return self.own_transaction and not self.concurrently

    def log(self, state: RetryCallState) -> None:
        now = time.monotonic()
        if self.logged_at is not None and now - self.logged_at < LOG_EVERY_SECONDS:
            return
        self.logged_at = now
        log.warning(
            "waiting on a lock: %r gave up after lock_timeout=%d s and will be retried; %s",
            self.statement,
            self.timeout,
            self.blockers(),
            extra={"attempt": state.attempt_number, "elapsed": round(now - self.started, 3)},
        )

    def timed_out(self) -> MigratorError:
        waited = time.monotonic() - self.started
        if self.own_transaction:
            limit = (
                f"MIGRATOR_DDL_RETRY_BUDGET={self.budget:g}, a CONCURRENTLY statement's whole wait"
                if self.concurrently
                else f"MIGRATOR_DDL_RETRY_BUDGET={self.budget:g}"
            )
            return MetadataLockTimeout(
                f"{self.statement!r} waited on a lock for {waited:.0f} s ({limit}); "
                f"{self.blockers()}"
            )
        return RevisionLockTimeout(
            f"{self.statement!r} gave up after lock_timeout={self.timeout} s; {self.blockers()}"
        )

    def blockers(self) -> str:
        return self.blocked_by or "no blocking session was seen while it waited"

    # -- while the statement runs
    def sample(self) -> str | None:
        try:
            found = self.side.blockers(self.session_id)
        except Exception:  # NoAnswer, or an error the server sent: the wait goes on unnamed
            log.debug("could not read the blocking sessions", exc_info=True)
            return None
        if found is not None:
            self.blocked_by = found
        return found

    def _set_timeout(self, seconds: float) -> None:
        cursor = self.dbapi_connection.cursor()
        try:
            cursor.execute(f"SET lock_timeout = '{int(seconds * 1000)}ms'")
        finally:
            cursor.close()


class _Sampler:
    """Reads the statement's blockers once it has waited a while, then every few seconds; a
    CONCURRENTLY statement that waits says so in the log (it blocks no reads or writes)."""

    def __init__(self, wait: PostgresLockWait) -> None:
        self._wait = wait
        self._stop = threading.Event()
        first = min(max(wait.timeout * 0.5, 0.2), LOG_EVERY_SECONDS)
        self._thread = threading.Thread(target=self._run, args=(first,), daemon=True)
        self._thread.start()

    def _run(self, first: float) -> None:
        delay = first
        while not self._stop.wait(delay):
            found = self._wait.sample()
            if found is not None and self._wait.concurrently:
                log.warning(
                    "%r waits for other transactions to end (it blocks no reads or writes); %s",
                    self._wait.statement,
                    found,
                    extra={"elapsed": round(time.monotonic() - self._wait.started, 3)},
                )
            delay = LOG_EVERY_SECONDS

    def stop(self) -> None:
        self._stop.set()
