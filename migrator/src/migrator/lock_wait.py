"""One statement of a revision may wait longer for its metadata lock than the session's
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

_ATTRIBUTE = "migrator_lock_wait_timeout"


def session_lock_wait(dbapi_connection: Any, default: int) -> int:
    """The lock wait in force on this session: a longer_lock_wait block's, or the default."""
    value = getattr(dbapi_connection, _ATTRIBUTE, None)
    return value if isinstance(value, int) else default


@contextmanager
def longer_lock_wait(seconds: int) -> Iterator[None]:
    bind = op.get_bind()
    if bind.dialect.name != "mysql":
        yield  # SQLite has no metadata locks
        return
    dbapi_connection = bind.connection.dbapi_connection
    default = int(getattr(getattr(dbapi_connection, "cursorclass", None), "lock_wait_timeout", 2))
    previous = session_lock_wait(dbapi_connection, default)
    bind.exec_driver_sql(f"SET SESSION lock_wait_timeout = {int(seconds)}")
    setattr(dbapi_connection, _ATTRIBUTE, int(seconds))
    try:
        yield
    finally:
        bind.exec_driver_sql(f"SET SESSION lock_wait_timeout = {previous}")
        setattr(dbapi_connection, _ATTRIBUTE, previous)
