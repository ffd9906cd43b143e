"""Wait for the database: bounded, jittered retries of what can heal; fail fast on what cannot."""

from __future__ import annotations

import logging
import socket
import time

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from migrator.engines.base import DatabaseEngine, engine_for
from migrator.engines.errors import one_line
from migrator.errors import ConfigurationError, DatabaseRejected, DatabaseUnreachable

log = logging.getLogger(__name__)


PROBE_INTERVAL = 0.05
STARTING_FAST_SECONDS = 3.0


class _Backoff:
    """Log each failed attempt, then sleep; wake early once a refused port starts listening.

    With waits of up to 1 s, a server that comes up mid-wait would otherwise idle for half a
    second on average. Only a port that refused the last attempt is probed: a probe to a
    listening server is an interrupted connection, and MySQL blocks a host after
    max_connect_errors of those in a row. A server that listens but is still starting
    (PostgreSQL opens its port before it takes logins: 57P03) is tried again after
    PROBE_INTERVAL, not after the backoff, for its first STARTING_FAST_SECONDS (a recovery
    that takes minutes is then waited for at the backoff's pace, not logged 20 times a second).
    """

    def __init__(self, database: DatabaseEngine, host: str | None, port: int | None) -> None:
        self.database = database
        self.address = (host, port) if host and port else None
        self.port_closed = False
        self.starting = False
        self.starting_since: float | None = None

    def before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.port_closed = error is not None and self.database.is_refused(error)
        self.starting = error is not None and self.database.is_starting(error)
        if not self.starting:
            self.starting_since = None
        elif self.starting_since is None:
            self.starting_since = time.monotonic()
        log.info(
            "database not reachable yet: %s",
            one_line(error) if error else "unknown error",
            extra={
                "attempt": state.attempt_number,
                "elapsed": round(state.seconds_since_start or 0.0, 3),
            },
        )

    def sleep(self, seconds: float) -> None:
        starting_for = (
            None if self.starting_since is None else time.monotonic() - self.starting_since
        )
        if starting_for is not None and starting_for < STARTING_FAST_SECONDS:
            time.sleep(min(seconds, PROBE_INTERVAL))
            return
        deadline = time.monotonic() + seconds
        if self.address is None or not self.port_closed:
            time.sleep(seconds)
            return
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                socket.create_connection(self.address, timeout=min(remaining, 0.5)).close()
                return
            except OSError:
                time.sleep(min(PROBE_INTERVAL, max(deadline - time.monotonic(), 0)))


def wait_policy(
    database: DatabaseEngine, timeout: float, host: str | None = None, port: int | None = None
) -> Retrying:
    """First retry within 0.1 s, waits capped at 1 s, no attempt started past the deadline."""
    backoff = _Backoff(database, host, port)
    return Retrying(
        stop=stop_before_delay(timeout),
        wait=wait_exponential_jitter(multiplier=0.05, max=1.0, jitter=0.05),
        retry=retry_if_exception(database.is_transient),
        before_sleep=backoff.before_sleep,
        sleep=backoff.sleep,
        reraise=True,
    )


def _connect(engine: Engine) -> Connection:
    connection = engine.connect()
    try:
        connection.execute(text("SELECT 1"))
        connection.commit()
    except BaseException:
        connection.close()
        raise
    return connection


def wait_for_database(engine: Engine, timeout: float, policy: Retrying | None = None) -> Connection:
    """Return an open connection once `SELECT 1` succeeds."""
    database = engine_for(engine.url)
    port = engine.url.port or database.default_port
    retrying = policy or wait_policy(database, timeout, engine.url.host, port)
    started = time.monotonic()
    url = engine.url.render_as_string(hide_password=True)
    try:
        connection = retrying(_connect, engine)
    except DBAPIError as exc:
        elapsed = time.monotonic() - started
        hint = database.hint_for(exc)
        if database.is_transient(exc):
            raise DatabaseUnreachable(
                f"database {url} unreachable after {elapsed:.1f} s "
                f"(MIGRATOR_WAIT_TIMEOUT={timeout:g}): {one_line(exc)}; {hint}"
            ) from exc
        raise DatabaseRejected(f"database {url}: {one_line(exc)}; {hint}") from exc
    except (ConnectionError, TimeoutError) as exc:
        raise DatabaseUnreachable(f"database {url} unreachable: {exc}") from exc
    except (ImportError, RuntimeError) as exc:
        # PyMySQL raises RuntimeError when `cryptography` is missing for caching_sha2_password.
        raise ConfigurationError(f"database {url}: {exc}") from exc
    log.info(
        "database reachable",
        extra={
            "attempt": retrying.statistics.get("attempt_number", 1),
            "elapsed": round(time.monotonic() - started, 3),
        },
    )
    return connection
