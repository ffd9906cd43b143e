"""Pooled connections that a writer thread keeps while it stays busy.

Under load that saves a pool checkout and a pre-ping round trip per INSERT; after any pause,
the next checkout pre-pings, which is when a connection can have gone stale (server
wait_timeout, restart, a proxy's idle cut-off). Connections still come from an engine's pool,
so pre-ping, recycle and the behaviour during an outage are those of every other connection.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

# A thread gives its connection back to the pool once idle for this long.
LEASE_IDLE_SECONDS = 1.0


class Lease:
    __slots__ = ("connection", "last_used", "taken_at")

    def __init__(self, connection: PoolProxiedConnection) -> None:
        self.connection = connection
        self.taken_at = self.last_used = time.monotonic()


class ConnectionLeases:
    def __init__(self, engine: Engine, recycle_seconds: int) -> None:
        self.engine = engine
        self._recycle = recycle_seconds
        self._local = threading.local()
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()

    def get(self) -> Lease:
        """This thread's connection; a pool checkout (raising the driver's error) if it has none
        or it sat idle or grew old."""
        lease: Lease | None = getattr(self._local, "lease", None)
        now = time.monotonic()
        if lease is not None and (
            now - lease.last_used > LEASE_IDLE_SECONDS or now - lease.taken_at > self._recycle
        ):
            self.release(lease)
            lease = None
        if lease is None:
            lease = Lease(self.engine.raw_connection())
            self._local.lease = lease
            with self._lock:
                self._leases.add(lease)
        return lease

    def drop(self, lease: Lease, exc: Exception) -> bool:
        """After an error, never reuse the connection; return whether it was a disconnect."""
        connection = lease.connection
        lost = self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None)  # type: ignore[arg-type]
        if lost:
            connection.invalidate(exc)
        self.release(lease)
        return bool(lost)

    def release(self, lease: Lease) -> None:
        self._local.lease = None
        with self._lock:
            self._leases.discard(lease)
        lease.connection.close()

    def close_all(self) -> None:
        with self._lock:
            leases, self._leases = self._leases, set()
        for lease in leases:
            lease.connection.close()
