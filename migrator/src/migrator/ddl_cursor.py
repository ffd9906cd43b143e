"""The DDL session's cursor: DDL that never stalls the API's writes behind a metadata lock.

An ALTER waits for the exclusive metadata lock of its table, and while it waits every statement
that touches the table queues behind it: an open transaction elsewhere turns a pending ALTER
into stalled writes for up to `lock_wait_timeout` (a year by default on MySQL, a day on
MariaDB). As gh-ost and pt-online-schema-change do, the session runs with a short
lock_wait_timeout (MIGRATOR_LOCK_WAIT_TIMEOUT), and a DDL statement that times out (1205,
ER_LOCK_WAIT_TIMEOUT) is retried, that statement alone, with backoff, until
MIGRATOR_DDL_RETRY_BUDGET runs out. MySQL commits each DDL statement by itself, and one that
timed out changed nothing, so repeating it is safe; between tries the queued writes flow.
(Each attempt is timed and logged by migrator.metadata_lock_wait; the session itself is made by
migrator.ddl_connection.)
"""

from __future__ import annotations

from typing import Any

import pymysql
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from migrator.errors import MetadataLockTimeout
from migrator.lock_wait import session_lock_wait
from migrator.metadata_lock_wait import MetadataLockWait, is_lock_wait_timeout
from migrator.settings import RunnerSettings
from migrator.signals import sleep_unless_terminated
from migrator.sql_statements import is_ddl


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
        waiting = MetadataLockWait(self.connection, text, timeout, self.retry_budget)
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


def cursor_class(settings: RunnerSettings) -> type[DdlRetryingCursor]:
    """The retrying cursor, with the settings' budgets."""
    return type(
        "MigratorCursor",
        (DdlRetryingCursor,),
        {
            "lock_wait_timeout": settings.migrator_lock_wait_timeout,
            "retry_budget": settings.migrator_ddl_retry_budget,
            "commit_retries": settings.migrator_commit_lock_retries,
        },
    )
