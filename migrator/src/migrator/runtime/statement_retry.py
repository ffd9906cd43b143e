"""DDL that never stalls the API's writes behind a lock, on any driver.

An ALTER waits for its table's exclusive lock (MySQL's metadata lock, PostgreSQL's ACCESS
EXCLUSIVE), and while it waits every statement that touches the table queues behind it: an
open transaction elsewhere turns a pending ALTER into stalled writes for as long as the wait
lasts (a year by default on MySQL, for ever on PostgreSQL). As gh-ost, pt-online-schema-change,
strong_migrations and pgroll do, the session runs with a short lock wait
(MIGRATOR_LOCK_WAIT_TIMEOUT, set by migrator.runtime.run_guard on every session), and a
statement that times out on it is retried, that statement alone, with backoff, until
MIGRATOR_DDL_RETRY_BUDGET runs out, where its engine says that is safe (migrator.engines.base:
`lock_wait`): on MySQL each DDL statement commits by itself and one that timed out changed
nothing; on PostgreSQL only a statement that is its own transaction (in an autocommit block),
since a timeout aborts the transaction around it (the revision is then retried whole:
migrator.upgrade.apply). Between tries the queued writes flow. The retry sits in SQLAlchemy's
`do_execute` hook, below any driver.
"""

from __future__ import annotations

from typing import Any

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from migrator.config.settings import RunnerSettings
from migrator.engines.base import DatabaseEngine, LockWait, SideConnection
from migrator.lock_wait import session_lock_wait
from migrator.signals import sleep_unless_terminated


def execute_with_retry(
    settings: RunnerSettings,
    database: DatabaseEngine,
    session_id: int,
    side: SideConnection,
    cursor: Any,
    statement: str,
    parameters: Any,
    dbapi_connection: Any,
) -> bool | None:
    """Run a DDL statement with its lock-wait retries and return True (done here); None for
    anything else (SQLAlchemy runs it as usual)."""
    timeout = session_lock_wait(dbapi_connection, settings.migrator_lock_wait_timeout)
    waiting = database.lock_wait(settings, session_id, side, dbapi_connection, statement, timeout)
    if waiting is None:
        return None
    retrying = retrying_policy(settings, waiting)

    def execute() -> None:
        if parameters is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement, parameters)

    try:
        retrying(waiting.attempt, execute)
    except Exception as exc:
        if not waiting.is_timeout(exc):
            raise
        raise waiting.timed_out() from None
    return True


def retrying_policy(settings: RunnerSettings, waiting: LockWait) -> Retrying:
    return Retrying(
        stop=stop_before_delay(settings.migrator_ddl_retry_budget),
        wait=wait_exponential_jitter(multiplier=0.5, max=5.0, jitter=0.5),
        retry=retry_if_exception(
            lambda exc: waiting.retry(exc, settings.migrator_commit_lock_retries)
        ),
        before_sleep=waiting.log,
        sleep=sleep_unless_terminated,
        reraise=True,
    )
