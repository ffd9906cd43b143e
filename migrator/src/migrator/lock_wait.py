"""One statement of a revision may wait longer for its lock than the session's
MIGRATOR_LOCK_WAIT_TIMEOUT: an hour-long index build that would otherwise be rolled back at its
very end by a transaction open at that moment.

    from migrator.lock_wait import longer_lock_wait

    def upgrade() -> None:
        with longer_lock_wait(30):
            op.create_index("ix_big_created", "big", ["created"])

While it waits, writes to the table queue behind it, so keep it to the few seconds a commit
needs, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import op

from migrator.engines.base import engine_named

# The lock wait in force on each guarded session (set by migrator.runtime.run_guard), by the id of
# its DBAPI connection: some drivers' connection objects take no attributes of ours.
_lock_waits: dict[int, int] = {}


def session_lock_wait(dbapi_connection: Any, default: int) -> int:
    """The lock wait in force on this session: a longer_lock_wait block's, or the default."""
    return _lock_waits.get(id(dbapi_connection), default)


def set_session_lock_wait(dbapi_connection: Any, seconds: int) -> None:
    _lock_waits[id(dbapi_connection)] = int(seconds)


@contextmanager
def longer_lock_wait(seconds: int) -> Iterator[None]:
    bind = op.get_bind()
    dbapi_connection = bind.connection.dbapi_connection
    database = engine_named(bind.dialect.name)
    if not database.has_server or dbapi_connection is None:
        yield  # SQLite has no lock waits of this kind
        return
    previous = database.set_lock_wait(bind, seconds)
    set_session_lock_wait(dbapi_connection, seconds)
    try:
        yield
    finally:
        database.set_lock_wait(bind, previous)
        set_session_lock_wait(dbapi_connection, previous)
