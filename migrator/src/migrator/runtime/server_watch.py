"""The run's watch: a thread beside the guarded sessions (migrator.runtime.run_guard) for the whole
run.

The DDL sessions have no client read timeout (a long ALTER must never be cut by the client), so
on their own they would wait for a frozen server (SIGSTOP, a network partition) until TCP gives
up. The watch pings the server every few seconds over its side connections, whatever the run is
doing (reading the state, waiting for the lock, running a revision, recording it); after
MIGRATOR_SERVER_SILENCE_TIMEOUT without any answer it cuts every session's socket, and their
reads fail at once (exit 12; a statement in flight may still complete on the server). A
statement that simply runs long on a server that answers is never touched.

On SIGTERM/SIGINT it cancels each statement in flight (KILL QUERY, pg_cancel_backend: on the
session's own side connection; the server rolls it back), then confirms on the server (the
process list, pg_stat_activity) that it ended. A
cancel that cannot be sent, or not confirmed within CANCEL_GRACE_SECONDS of the signal, is
`unconfirmed`: the sockets are cut, the revision stays `unknown` and the process ends; it never
records the revision as interrupted while its statement may still run.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from enum import StrEnum
from typing import TYPE_CHECKING

from migrator.config.settings import RunnerSettings
from migrator.engines.errors import NoAnswer
from migrator.errors import ServerSilent
from migrator.exit_codes import SIGNAL_BASE
from migrator.runtime.statement_observer import InFlight, shorten
from migrator.signals import termination_requested

if TYPE_CHECKING:
    from migrator.runtime.run_guard import RunGuard

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
# From the signal, so that sending the cancels counts too: what is left of the 5 s the runner
# promises goes to unwinding and leaving (os._exit once the last line is logged: cli.main).
CANCEL_GRACE_SECONDS = 2.5
CONFIRM_POLL_SECONDS = 0.1


class Cancel(StrEnum):
    NOT_NEEDED = "not needed"  # nothing was in flight when the signal came
    CONFIRMED = "confirmed"  # the server ended the statement: nothing of it runs on
    UNCONFIRMED = "unconfirmed"  # it may still run: the revision stays unknown


class ServerWatch:
    def __init__(self, guard: RunGuard, settings: RunnerSettings) -> None:
        self.guard = guard
        self.silence_timeout = settings.migrator_server_silence_timeout
        self.ping_every = min(5.0, self.silence_timeout / 4)
        self.silent_for: float | None = None  # set when the watch cut the sockets for silence
        self.cancel: Cancel | None = None
        self.cancelled_statement: str | None = None
        self.sockets_cut = False  # nothing can be rolled back or released on them any more
        self._cancel_decided = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-watch", daemon=True)
        self._last_answer = time.monotonic()
        self._last_ping = 0.0
        self._exit_code = ServerSilent.exit_code

    def start(self) -> None:
        if not self._thread.is_alive() and not self._stop.is_set():
            self._last_answer = time.monotonic()
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=CANCEL_GRACE_SECONDS + 3)

    def cancel_outcome(self, timeout: float = CANCEL_GRACE_SECONDS + 3) -> Cancel | None:
        """After a signal: how the cancel ended, once the watch knows (None: no signal)."""
        if termination_requested() is None:
            return None
        if self._thread.is_alive():
            self._cancel_decided.wait(timeout)
        return self.cancel or Cancel.UNCONFIRMED

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            if termination_requested() is not None and self.cancel is None:
                self._terminate()
                continue
            now = time.monotonic()
            if now - self._last_ping >= self.ping_every:
                self._last_ping = now
                if self._answers():
                    self._last_answer = time.monotonic()
            silent = time.monotonic() - self._last_answer
            if silent >= self.silence_timeout:
                self.silent_for = silent
                running = self.guard.observer.in_flight()
                log.error(
                    "the server has answered nothing for %.0f s (MIGRATOR_SERVER_SILENCE_TIMEOUT"
                    "=%g)%s: giving up on it; a statement in flight may still complete there",
                    silent,
                    self.silence_timeout,
                    f" while {shorten(running[0].statement)!r} ran" if running else "",
                )
                self._cut()
                return

    def _answers(self) -> bool:
        return any(side.answers() for side in self.guard.sides())

    def _terminate(self) -> None:
        self._exit_code = SIGNAL_BASE + (termination_requested() or signal.SIGTERM)
        try:
            self.cancel = self._cancel_in_flight()
        finally:
            self._cancel_decided.set()

    def _cancel_in_flight(self) -> Cancel:
        deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        in_flight = self.guard.observer.in_flight()
        recently_answered = time.monotonic() - self._last_answer < self.ping_every + 1
        if not in_flight:
            # Nothing the observer saw; the main thread may still be blocked in a commit on a
            # frozen server: make sure it is not.
            if not (recently_answered and self._answers()):
                self._cut()
            return Cancel.NOT_NEEDED
        if not recently_answered:
            log.error("SIGTERM while the server does not answer: closing the connections")
            self._cut()
            return Cancel.UNCONFIRMED
        for running in in_flight:
            self.cancelled_statement = shorten(running.statement)
            if not self._cancel(running):
                self._cut()
                return Cancel.UNCONFIRMED
        pending = list(in_flight)
        while pending and time.monotonic() < deadline:
            pending = [running for running in pending if self._still_running(running)]
            if pending:
                time.sleep(CONFIRM_POLL_SECONDS)
        if pending:
            log.error(
                "could not confirm within %g s that %r stopped on the server (session %d): it "
                "may still be running there; closing the connections",
                CANCEL_GRACE_SECONDS,
                shorten(pending[0].statement),
                pending[0].session,
            )
            self._cut()
            return Cancel.UNCONFIRMED
        log.warning("cancelled on the server, and confirmed ended: %r", self.cancelled_statement)
        return Cancel.CONFIRMED

    def _cancel(self, running: InFlight) -> bool:
        side = self.guard.side_for(running.session)
        if side is None:
            return False
        try:
            side.cancel(running.session)
        except NoAnswer:
            log.error("could not send the cancel for session %d: no answer", running.session)
            return False
        except Exception as exc:  # the server refused the KILL: it cannot be cancelled by us
            log.error("the server refused to cancel session %d: %s", running.session, exc)
            return False
        return True

    def _still_running(self, running: InFlight) -> bool:
        """Until the client has its answer (the server sends it once the statement and its
        rollback are done), or the server shows the session idle."""
        if all(now is not running for now in self.guard.observer.in_flight()):
            return False
        side = self.guard.side_for(running.session)
        if side is None:
            return True
        try:
            return side.running(running.session) is not None
        except Exception:
            log.debug("could not read the process list", exc_info=True)
            return True

    def _cut(self) -> None:
        self.sockets_cut = True
        sessions = self.guard.sessions()
        if any(session.sock is None for session in sessions):
            # A driver whose socket the runner cannot reach: the process ends here, as the cut
            # would have ended it; whatever was running stays `unknown` in the history.
            log.error("no socket of a session's connection to close: exiting")
            logging.shutdown()
            os._exit(self._exit_code)
        for session in sessions:
            try:
                assert session.sock is not None
                session.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("a session's socket was already closed", exc_info=True)
