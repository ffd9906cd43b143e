"""A named advisory lock, so that any number of migrators can start together.

MySQL's GET_LOCK belongs to the connection: a runner that dies releases it with its connection,
so there is never a stale lock row to clean up by hand.
"""

from __future__ import annotations

import hashlib
import logging
import time

from sqlalchemy import Connection, text

from migrator.errors import DatabaseRejected, LockTimeout

log = logging.getLogger(__name__)

LOCK_NAME_MAX = 64  # MySQL's limit on user lock names
POLL_SECONDS = 1  # bounded GET_LOCK waits keep SIGTERM prompt and the holder logged
LOG_EVERY_POLLS = 5


def lock_name(database: str) -> str:
    name = f"schema-migration:{database}"
    if len(name) <= LOCK_NAME_MAX:
        return name
    return "schema-migration:" + hashlib.sha256(database.encode()).hexdigest()[:40]


def acquire_migration_lock(connection: Connection, timeout: float) -> str | None:
    """Take the database-scoped migration lock on `connection`; return its name."""
    database = connection.execute(text("SELECT DATABASE()")).scalar_one()
    name = lock_name(str(database))
    started = time.monotonic()
    polls = 0
    while True:
        got = connection.execute(
            text("SELECT GET_LOCK(:name, :wait)"), {"name": name, "wait": POLL_SECONDS}
        ).scalar()
        if got == 1:
            break
        if got is None:
            raise DatabaseRejected(f"GET_LOCK({name!r}) returned an error")
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            holder = _holder(connection, name)
            raise LockTimeout(
                f"migration lock {name!r} still held by connection {holder} after {elapsed:.0f} s "
                f"(MIGRATOR_LOCK_TIMEOUT={timeout:g}); is another migrator stuck?"
            )
        if polls % LOG_EVERY_POLLS == 0:
            log.info(
                "waiting for the migration lock %r",
                name,
                extra={"holder": _holder(connection, name), "elapsed": round(elapsed, 3)},
            )
        polls += 1
    # GET_LOCK is session-scoped, so ending the implicit transaction keeps the lock and lets
    # Alembic run one transaction per revision on this connection.
    connection.commit()
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
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        connection.commit()
    except Exception:
        # Closing the connection releases the lock anyway.
        log.debug("RELEASE_LOCK failed; the lock goes with the connection", exc_info=True)


def _holder(connection: Connection, name: str) -> object:
    return connection.execute(text("SELECT IS_USED_LOCK(:name)"), {"name": name}).scalar()


def still_held(connection: Connection, name: str | None) -> bool:
    """Whether this session still holds the lock: a connection dropped by wait_timeout or a
    proxy's idle limit (the runner's session idles while env.py's works) releases it."""
    if name is None:
        return True
    holder = connection.execute(
        text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"), {"name": name}
    ).scalar()
    connection.commit()
    return bool(holder)
