"""The migration lock on PostgreSQL: a session-level advisory lock, taken by polling
`pg_try_advisory_lock` with no transaction open between tries.

Never `pg_advisory_lock`: a runner blocked in it holds a transaction's snapshot, and another
runner's `CREATE INDEX CONCURRENTLY` waits for every such transaction to end, while the first
waits for the second's lock: a deadlock (40P01 after deadlock_timeout), as Flyway's users met.
The lock belongs to the session: a runner that dies releases it with its connection. Advisory
locks are scoped to the current database, so the key names the version table only.
"""

from __future__ import annotations

import hashlib
import logging
import time

from sqlalchemy import Connection, text

from migrator.errors import LockTimeout, Unprotected

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
LOG_EVERY_SECONDS = 5.0
LOCK_NAME = "schema-migration"

_HOLDER = """
SELECT a.pid, a.usename, coalesce(host(a.client_addr), 'local'), a.application_name,
       a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
        SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = :high AND l.objid = :low AND l.objsubid = 1
"""


def lock_key(name: str = LOCK_NAME) -> int:
    """A signed 64-bit key from the name (advisory locks are keyed by bigint)."""
    digest = hashlib.sha256(name.encode()).digest()[:8]
    return int.from_bytes(digest, "big", signed=True)


def _halves(key: int) -> dict[str, int]:
    """pg_locks shows a bigint key as classid (high 32 bits) and objid (low), objsubid 1."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}


def acquire_migration_lock(connection: Connection, timeout: float) -> str:
    key = lock_key()
    name = f"{LOCK_NAME} (pg_advisory_lock key {key})"
    started = time.monotonic()
    logged_at: float | None = None
    while True:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        connection.commit()  # no transaction open while waiting: see the module's docstring
        if got:
            break
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            raise LockTimeout(
                f"migration lock {name!r} still held by {holder(connection, key)} after "
                f"{elapsed:.0f} s (MIGRATOR_LOCK_TIMEOUT={timeout:g}); is another migrator stuck?"
            )
        now = time.monotonic()
        if logged_at is None or now - logged_at >= LOG_EVERY_SECONDS:
            logged_at = now
            log.info(
                "waiting for the migration lock %r",
                name,
                extra={"holder": holder(connection, key), "elapsed": round(elapsed, 3)},
            )
        time.sleep(POLL_SECONDS)
    if not still_held(connection, name):
        release_migration_lock(connection, name)
        raise Unprotected(
            "the migration lock was taken but this session does not hold it in the next "
            "transaction: the connection goes through a pooler in transaction mode (PgBouncer "
            "pool_mode=transaction), where a session lock stays on a server connection the "
            "runner no longer owns. Point DATABASE_URL at the server, or at a session-mode pool"
        )
    log.info(
        "migration lock %r acquired",
        name,
        extra={"elapsed": round(time.monotonic() - started, 3)},
    )
    return name


def release_migration_lock(connection: Connection, name: str | None) -> None:
    if name is None:
        return
    try:
        connection.rollback()
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key()})
        connection.commit()
    except Exception:
        log.debug("pg_advisory_unlock failed; the lock goes with the connection", exc_info=True)


def holder(connection: Connection, key: int) -> str:
    row = connection.execute(text(_HOLDER), _halves(key)).first()
    connection.commit()
    if row is None:
        return "no session any more"
    pid, user, client, application, since = row
    if since is None:
        # Another role's session: pg_stat_activity shows its pid and role only, unless this
        # login has pg_read_all_stats.
        return f"session {pid} ({user}; its details are hidden from this role)"
    application = application or "no application_name"
    return f"session {pid} ({user}@{client}, {application}, since {since:%H:%M:%S})"


def still_held(connection: Connection, name: str | None) -> bool:
    """Whether this session holds the lock: a dropped connection releases it, and behind a
    transaction-mode pooler the next transaction may run on another server session."""
    if name is None:
        return True
    row = connection.execute(
        text(_HOLDER + " AND l.pid = pg_backend_pid()"), _halves(lock_key())
    ).first()
    connection.commit()
    return row is not None
