"""The hot path of POST /info: one INSERT on a pooled DBAPI connection.

This is the one place that leaves SQLAlchemy's execution layer, because per request that layer
(Connection, transaction and result objects, reset-on-return) costs more than the INSERT itself.
The connection still comes from an engine's pool, so pre-ping, recycle and the behaviour during
an outage are the same as everywhere else; driver errors are translated to SQLAlchemy's, so the
API's error handling is the same too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError, StatementError

from api.db import create_db_engine
from api.models import SomeInfo
from api.settings import Settings


class InfoWriter:
    """Owns an AUTOCOMMIT engine of its own (see api.db.create_db_engine): the INSERT commits by
    itself, so a returned id is durable, and no COMMIT or reset ROLLBACK round trip follows."""

    def __init__(self, settings: Settings) -> None:
        engine = create_db_engine(settings, autocommit=True)
        self.engine = engine
        compiled = insert(SomeInfo).values(desc=bindparam("desc")).compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._positional = engine.dialect.positional
        self._dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error

    def insert(self, desc: str) -> int:
        """Insert one row and return its id once it is committed."""
        params: Any = (desc,) if self._positional else {"desc": desc}
        try:
            connection = self.engine.raw_connection()
        except self._dbapi_error as exc:
            raise self._translated(exc, params) from exc
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, params)
                new_id = cursor.lastrowid
            finally:
                cursor.close()
        except self._dbapi_error as exc:
            if self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):  # type: ignore[arg-type]
                # Out of the pool with it, as SQLAlchemy's execution layer would do.
                connection.invalidate(exc)
            raise self._translated(exc, params) from exc
        finally:
            connection.close()
        if not isinstance(new_id, int):
            raise RuntimeError("the driver returned no id for the inserted row")
        return new_id

    def _translated(self, exc: Exception, params: Any) -> StatementError:
        return DBAPIError.instance(
            self._sql, params, exc, self._dbapi_error, dialect=self.engine.dialect
        )

    def dispose(self) -> None:
        self.engine.dispose()
