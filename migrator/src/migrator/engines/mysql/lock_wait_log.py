"""One DDL statement's attempts at its metadata lock: each timed, logged at a bounded rate with
the sessions that block it, and the message when the budget is spent.

An attempt that ran longer than the lock wait before timing out did its work and lost it at
commit: an INPLACE ALTER takes the table's exclusive metadata lock again to finish.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from tenacity import RetryCallState

from migrator.engines.errors import mysql_error_code
from migrator.engines.mysql.blockers import describe_blockers, find_blockers
from migrator.engines.mysql.statements import locked_table
from migrator.errors import MetadataLockTimeout, MigratorError
from migrator.signals import termination_requested

log = logging.getLogger(__name__)

ER_LOCK_WAIT_TIMEOUT = 1205
LOG_EVERY_SECONDS = 5.0
COMMIT_MARGIN_SECONDS = 1.0


def is_lock_wait_timeout(exc: BaseException) -> bool:
    return mysql_error_code(exc) == ER_LOCK_WAIT_TIMEOUT


class MetadataLockWait:
    def __init__(self, connection: Any, statement: str, timeout: int, budget: float) -> None:
        self.connection = connection
        self.statement = " ".join(statement.split())[:120]
        self.table = locked_table(statement)
        self.timeout = timeout
        self.budget = budget
        self.started = time.monotonic()
        self.logged_at: float | None = None
        self.attempt_seconds = 0.0
        self.rolled_back_at_commit = 0

    def attempt(self, execute: Any) -> Any:
        began = time.monotonic()
        try:
            return execute()
        finally:
            self.attempt_seconds = time.monotonic() - began

    def is_timeout(self, exc: BaseException) -> bool:
        return is_lock_wait_timeout(exc)

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

    def timed_out(self) -> MigratorError:
        return MetadataLockTimeout(self.gave_up())

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
