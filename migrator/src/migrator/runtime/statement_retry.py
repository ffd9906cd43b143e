"""DDL that never stalls the API's writes behind a metadata lock, on any MySQL driver.

An ALTER waits for the exclusive metadata lock of its table, and while it waits every statement
that touches the table queues behind it: an open transaction elsewhere turns a pending ALTER
into stalled writes for up to `lock_wait_timeout` (a year by default on MySQL, a day on
MariaDB). As gh-ost and pt-online-schema-change do, the session runs with a short
lock_wait_timeout (MIGRATOR_LOCK_WAIT_TIMEOUT, set by migrator.runtime.run_guard on every session),
and a DDL statement that times out (1205, ER_LOCK_WAIT_TIMEOUT) is retried, that statement alone,
with backoff, until MIGRATOR_DDL_RETRY_BUDGET runs out. MySQL commits each DDL statement by
itself, and one that timed out changed nothing, so repeating it is safe; between tries the
queued writes flow. The retry sits in SQLAlchemy's `do_execute` hook, below any driver: PyMySQL
and aiomysql alike. (Each attempt is timed and logged by migrator.engines.mysql.lock_wait_log.)
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
from migrator.engines.mysql.ddl_verbs import may_be_ddl
from migrator.errors import MetadataLockTimeout
from migrator.lock_wait import session_lock_wait
from migrator.signals import sleep_unless_terminated


def execute_with_retry(
    settings: RunnerSettings, cursor: Any, statement: str, parameters: Any, context: Any
) -> bool | None:
    """Run a DDL statement with its metadata-lock retries and return True (done here); None
    for anything else (SQLAlchemy runs it as usual)."""
    if context.dialect.name not in ("mysql", "mariadb") or not may_be_ddl(statement):
        return None
    # Here, not at the top: these load the SQL parser (migrator.engines.mysql.ddl_verbs says why).
    from migrator.engines.mysql.lock_wait_log import MetadataLockWait, is_lock_wait_timeout
    from migrator.engines.mysql.statements import is_ddl

    if not is_ddl(statement):
        return None
    dbapi_connection = context.root_connection.connection.dbapi_connection
    timeout = session_lock_wait(dbapi_connection, settings.migrator_lock_wait_timeout)
    budget = settings.migrator_ddl_retry_budget
    waiting = MetadataLockWait(dbapi_connection, statement, timeout, budget)
    retrying = Retrying(
        stop=stop_before_delay(budget),
        wait=wait_exponential_jitter(multiplier=0.5, max=5.0, jitter=0.5),
        retry=retry_if_exception(
            lambda exc: waiting.retry(exc, settings.migrator_commit_lock_retries)
        ),
        before_sleep=waiting.log,
        sleep=sleep_unless_terminated,
        reraise=True,
    )

    def execute() -> None:
        if parameters is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement, parameters)

    try:
        retrying(waiting.attempt, execute)
    except Exception as exc:
        if not is_lock_wait_timeout(exc):
            raise
        raise MetadataLockTimeout(waiting.gave_up()) from None
    return True
