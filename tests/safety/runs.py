"""The runner under test, as production runs it (a process configured by its environment), and
its history as `migrate history --json` prints it."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.migrator_process import start_migrator
from migrator.exit_codes import SIGNAL_BASE
from tests.safety.checks import CellFailed, Findings, poll_until
from tests.safety.views import Process, Server, sessions_running

# A runner that missed its deadline is watched this much longer before it is killed, so that
# the failure says how it ended (late, or not at all) rather than only that it was late.
OBSERVE_SECONDS = 5.0
# Runs that no time limit applies to (arranging, reading the history, reruns) yield the CPU to
# the runners that must end within seconds of a signal or a freeze: six cells share two cores.
UNTIMED_NICE = 5
RUN_TIMEOUT_SECONDS = 180.0
STARTS_WITHIN_SECONDS = 60.0
SIGTERM_EXIT = SIGNAL_BASE + signal.SIGTERM
SIGTERM_EXIT_WITHIN_SECONDS = 5.0  # the runner's promise, on a live server and a frozen one
STDERR_LINES_SHOWN = 12
TRACEBACK = "Traceback (most recent call last)"

HistoryRow = dict[str, Any]


@dataclass(frozen=True)
class Ended:
    code: int
    after: float  # seconds after the moment the caller measured from
    stderr: str

    def tail(self) -> str:
        return tail(self.stderr)


def tail(stderr: str) -> str:
    lines = stderr.strip().splitlines()[-STDERR_LINES_SHOWN:]
    return "\n    | ".join(["", *lines]) if lines else " (no output)"


class Runner:
    """`python -m migrator ARGS` in the background. Settings are typed Any: they are spread into
    the harness's `**settings`, beside its typed `cwd` and `timeout`."""

    def __init__(self, url: str, *args: str, nice: int = 0, **settings: Any) -> None:
        self.args = args
        self.started = time.monotonic()
        self.process = start_migrator(url, *args, nice=nice, **settings)
        self.stdout = ""
        self._stderr = ""
        self._exited_at: float | None = None

    def _collect(self, timeout: float | None) -> None:
        """Read its output to the end and note when it exited (TimeoutExpired if it runs on)."""
        if self._exited_at is None:
            self.stdout, self._stderr = self.process.communicate(timeout=timeout)
            self._exited_at = time.monotonic()

    def ended_early(self) -> str | None:
        """Why there is nothing more to wait for (the runner exited), or None while it runs."""
        if self.process.poll() is None:
            return None
        self._collect(None)
        return f"the runner exited {self.process.returncode} first:{tail(self._stderr)}"

    def terminate(self) -> Ended:
        """SIGTERM, then its exit (measured from the signal), which is due within 5 s."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(time.monotonic(), SIGTERM_EXIT_WITHIN_SECONDS, "SIGTERM")

    def wait(self, since: float, bound: float, what: str) -> Ended:
        """Wait for the exit, up to OBSERVE_SECONDS past `since + bound`; past that the runner is
        killed and the cell ends (CellFailed)."""
        deadline = since + bound + OBSERVE_SECONDS
        try:
            self._collect(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise CellFailed(
                f"`migrate {' '.join(self.args)}` still ran {bound + OBSERVE_SECONDS:g} s after "
                f"{what} (allowed: {bound:g} s); killed it:{tail(self._stderr)}"
            ) from None
        assert self._exited_at is not None
        if TRACEBACK in self._stderr:  # every failure is one line, whatever the cell did
            raise CellFailed(
                f"`migrate {' '.join(self.args)}` logged a traceback:{tail(self._stderr)}"
            )
        return Ended(self.process.returncode, self._exited_at - since, self._stderr)

    def kill(self) -> None:
        """SIGKILL, if it still runs."""
        if self._exited_at is None:
            self.process.kill()
            self._collect(None)


@contextmanager
def upgrade_running(
    url: str, server: Server, database: str, statement: str, **settings: Any
) -> Iterator[tuple[Runner, Process]]:
    """`migrate upgrade` in the background, once `statement` runs in `database` (the session
    running it); killed, if it still runs, when the block ends."""
    runner = Runner(url, "upgrade", **settings)
    try:
        process = poll_until(
            lambda: next(iter(sessions_running(server, database, statement)), None),
            STARTS_WITHIN_SECONDS,
            f"{statement} never started",
            still_worth_waiting=runner.ended_early,
        )
        yield runner, process
    finally:
        runner.kill()


def expect_prompt_exit(found: Findings, ended: Ended) -> bool:
    """Exit 143 within 5 s of the SIGTERM, noted either way."""
    found.note(f"exit {ended.code} {ended.after:.1f} s after SIGTERM")
    return found.expect(
        ended.code == SIGTERM_EXIT and ended.after <= SIGTERM_EXIT_WITHIN_SECONDS,
        f"the runner exited {ended.code} {ended.after:.1f} s after SIGTERM, not {SIGTERM_EXIT} "
        f"within {SIGTERM_EXIT_WITHIN_SECONDS:g} s:{ended.tail()}",
    )


def run(url: str, *args: str, **settings: Any) -> Ended:
    """`python -m migrator ARGS` to its end (at most RUN_TIMEOUT_SECONDS)."""
    runner = Runner(url, *args, nice=UNTIMED_NICE, **settings)
    return runner.wait(runner.started, RUN_TIMEOUT_SECONDS, "it started")


def history(server: Server, database: str) -> list[HistoryRow]:
    """migrator_history, newest first, read over TCP (PyMySQL, psycopg) whatever the cell's URL
    form."""
    runner = Runner(server.url(database), "history", "--json", nice=UNTIMED_NICE)
    ended = runner.wait(runner.started, RUN_TIMEOUT_SECONDS, "it started")
    if ended.code != 0:
        raise CellFailed(f"`migrate history --json` exited {ended.code}:{ended.tail()}")
    rows: list[HistoryRow] = json.loads(runner.stdout)
    return rows


def rows_of(rows: list[HistoryRow], revision: str) -> list[HistoryRow]:
    return [row for row in rows if row["revision"] == revision]


def newest(rows: list[HistoryRow], revision: str) -> HistoryRow | None:
    found = rows_of(rows, revision)
    return found[0] if found else None


def describe(row: HistoryRow | None) -> str:
    if row is None:
        return "no row"
    return f"{row['outcome']!r} with statements={row['statements']!r}"
