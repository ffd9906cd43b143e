"""Who holds the metadata lock of the table a DDL statement waits for, as one line an operator
can act on.

MySQL 8.4 (and MariaDB 10.5+ started with performance_schema=ON and its instrument
wait/lock/metadata/sql/mdl enabled, both off by default there) list granted metadata locks in
performance_schema.metadata_locks; with the threads table and the transactions' age from
events_transactions_current that needs SELECT on performance_schema only, not PROCESS (the
threads table shows every session without it, unlike PROCESSLIST). MariaDB's default has the
Performance Schema off: there the METADATA_LOCK_INFO plugin's table, where loaded, gives the same
answer (it and PROCESSLIST need PROCESS to see other users' sessions). Where neither can be
read, the open InnoDB transactions are the candidates (any of them may hold the lock: an open
transaction that touched a table holds its metadata lock until it ends).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pymysql

log = logging.getLogger(__name__)

MAX_BLOCKERS = 5

_FROM_PERFORMANCE_SCHEMA = """
SELECT t.PROCESSLIST_ID, t.PROCESSLIST_USER, t.PROCESSLIST_HOST, t.PROCESSLIST_COMMAND,
       t.PROCESSLIST_STATE, GROUP_CONCAT(DISTINCT ml.OBJECT_NAME ORDER BY ml.OBJECT_NAME),
       MAX(ROUND(tx.TIMER_WAIT / 1000000000000))
FROM performance_schema.metadata_locks ml
JOIN performance_schema.threads t ON t.THREAD_ID = ml.OWNER_THREAD_ID
LEFT JOIN performance_schema.events_transactions_current tx
       ON tx.THREAD_ID = t.THREAD_ID AND tx.STATE = 'ACTIVE'
WHERE ml.OBJECT_TYPE = 'TABLE' AND ml.OBJECT_SCHEMA = DATABASE()
  AND ml.LOCK_STATUS = 'GRANTED' AND (%(table)s IS NULL OR ml.OBJECT_NAME = %(table)s)
  AND t.PROCESSLIST_ID IS NOT NULL AND t.PROCESSLIST_ID <> CONNECTION_ID()
GROUP BY t.PROCESSLIST_ID, t.PROCESSLIST_USER, t.PROCESSLIST_HOST, t.PROCESSLIST_COMMAND,
         t.PROCESSLIST_STATE
ORDER BY 7 DESC
LIMIT %(limit)s
"""

# MariaDB's metadata_lock_info plugin (INSTALL SONAME 'metadata_lock_info').
_FROM_MARIADB_LOCK_INFO = """
SELECT p.ID, p.USER, p.HOST, p.COMMAND, p.STATE,
       GROUP_CONCAT(DISTINCT m.TABLE_NAME ORDER BY m.TABLE_NAME),
       MAX(TIMESTAMPDIFF(SECOND, x.trx_started, NOW()))
FROM information_schema.METADATA_LOCK_INFO m
JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
LEFT JOIN information_schema.INNODB_TRX x ON x.trx_mysql_thread_id = p.ID
WHERE m.TABLE_SCHEMA = DATABASE() AND (%(table)s IS NULL OR m.TABLE_NAME = %(table)s)
  AND p.ID <> CONNECTION_ID()
GROUP BY p.ID, p.USER, p.HOST, p.COMMAND, p.STATE
ORDER BY 7 DESC
LIMIT %(limit)s
"""

_FROM_OPEN_TRANSACTIONS = """
SELECT p.ID, p.USER, p.HOST, p.COMMAND, p.STATE, NULL,
       TIMESTAMPDIFF(SECOND, x.trx_started, NOW())
FROM information_schema.INNODB_TRX x
JOIN information_schema.PROCESSLIST p ON p.ID = x.trx_mysql_thread_id
WHERE p.ID <> CONNECTION_ID()
ORDER BY x.trx_started
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Blocker:
    connection_id: int
    user: str
    host: str
    command: str
    state: str
    tables: str | None
    transaction_seconds: int | None

    def describe(self) -> str:
        parts = [f"connection {self.connection_id} ({self.user}@{self.host}"]
        parts.append(f"command {self.command or '?'}")
        if self.state:
            parts.append(f"state {self.state!r}")
        if self.transaction_seconds is not None:
            parts.append(f"{self.transaction_seconds} s in its transaction")
        if self.tables:
            parts.append(f"holds {self.tables}")
        return ", ".join(parts) + ")"


def find_blockers(dbapi_connection: Any, table: str | None = None) -> list[Blocker] | None:
    """The sessions that may block DDL on `table` (any table where None), most likely first;
    None when none can be seen."""
    for query in (_FROM_PERFORMANCE_SCHEMA, _FROM_MARIADB_LOCK_INFO, _FROM_OPEN_TRANSACTIONS):
        cursor = dbapi_connection.cursor()  # any MySQL DBAPI: PyMySQL, aiomysql's adapted one
        try:
            cursor.execute(query, {"table": table, "limit": MAX_BLOCKERS})
            rows = cursor.fetchall()
        except pymysql.err.Error:
            log.debug("blocker query failed; trying the next", exc_info=True)
            continue
        finally:
            cursor.close()
        if rows:
            return [_blocker(row) for row in rows]
    return None


def describe_blockers(blockers: list[Blocker] | None) -> str:
    if not blockers:
        return (
            "blocker not visible: no other session's lock or open transaction can be seen "
            "(the migrator's user needs SELECT on performance_schema on MySQL 8.4, and the "
            "PROCESS privilege on MariaDB without the Performance Schema)"
        )
    return "blocked by " + "; ".join(blocker.describe() for blocker in blockers)


def _blocker(row: tuple[Any, ...]) -> Blocker:
    connection_id, user, host, command, state, tables, seconds = row
    return Blocker(
        connection_id=int(connection_id),
        user=str(user or "?"),
        host=str(host or "?"),
        command=str(command or ""),
        state=str(state or ""),
        tables=str(tables) if tables else None,
        transaction_seconds=int(seconds) if seconds is not None else None,
    )
