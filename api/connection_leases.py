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
    __slots__ = ("connection", "generation", "last_used", "taken_at")

    def __init__(self, connection: PoolProxiedConnection, generation: int) -> None:
        self.connection = connection
        self.generation = generation
        self.taken_at = self.last_used = time.monotonic()


class ConnectionLeases:
    def __init__(self, engine: Engine, recycle_seconds: int) -> None:
        self.engine = engine
        self._recycle = recycle_seconds
        self._local = threading.local()
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()
        # Bumped by discard_all(): a lease of an earlier generation is never used again.
        self._generation = 0

    def get(self) -> Lease:
        """This thread's connection; a pool checkout (raising the driver's error) if it has none
        or it sat idle or grew old."""
        lease: Lease | None = getattr(self._local, "lease", None)
        now = time.monotonic()
        if lease is not None and (
            now - lease.last_used > LEASE_IDLE_SECONDS
            or now - lease.taken_at > self._recycle
            or lease.generation != self._generation
        ):
            self.release(lease)
            lease = None
        if lease is None:
            lease = Lease(self.engine.raw_connection(), self._generation)
            self._local.lease = lease
            with self._lock:
                self._leases.add(lease)
        return lease

    def drop(self, lease: Lease, exc: Exception, *, failover: bool = False) -> bool:
        """After an error, never reuse the connection; return whether it was a disconnect.
        `failover`: the server stopped taking writes, so the whole pool goes (discard_all)."""
        connection = lease.connection
        lost = self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None)  # type: ignore[arg-type]
        if lost or failover:
            connection.invalidate(exc)
        self.release(lease)
        if failover:
            self.discard_all()
        return bool(lost)

    def discard_all(self) -> None:
        """Close every connection of the pool: the idle ones now (the engine's pool is
        replaced), the ones other threads lease when they next take or give them back."""
        with self._lock:
            self._generation += 1
        self.engine.dispose()

    def release(self, lease: Lease) -> None:
        self._local.lease = None
        with self._lock:
            self._leases.discard(lease)
            stale = lease.generation != self._generation
        if stale and lease.connection.is_valid:
            lease.connection.invalidate()  # closed, not returned to a discarded pool
        lease.connection.close()

    def close_all(self) -> None:
        with self._lock:
            leases, self._leases = self._leases, set()
        for lease in leases:
            lease.connection.close()
