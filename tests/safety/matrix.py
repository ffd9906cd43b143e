"""Runs the selected cells side by side, at most CONCURRENT_CELLS at once (each is a runner
process or two, and some a server of their own), longest first; each cell's test then waits
for its own outcome, so that every cell passes, fails or is skipped on its own line."""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.mysql_server import LocalServer
from tests.safety.bulk import BulkSource, filled_source
from tests.safety.cells import Cell, CellContext, ServerFacts
from tests.safety.checks import CellFailed, Findings
from tests.safety.engines import Engine, Server
from tests.safety.views import is_mariadb

# Two cores run the cells' runners and servers: more at once would turn each cell's time limits
# into a measure of the machine's load.
CONCURRENT_CELLS = 6


@dataclass(frozen=True)
class Outcome:
    failures: tuple[str, ...]
    notes: tuple[str, ...]
    started: float  # seconds after the matrix started
    seconds: float
    crash: str | None = None  # the story itself broke: a bug in the test, not a finding

    def report(self) -> str:
        notes = [f"  ({note})" for note in self.notes]
        return "\n".join(
            [*(f"- {f}" for f in self.failures), *notes, f"  (cell took {self.seconds:.1f} s)"]
        )


def interleaved(cells: list[Cell]) -> list[Cell]:
    """Longest first, one of each guarantee (and phase) in turn: cells that wait run beside
    cells that compute, and no one server takes all the big copies at once."""
    groups: dict[tuple[str, str | None], list[Cell]] = {}
    for cell in sorted(cells, key=lambda cell: cell.cost, reverse=True):
        groups.setdefault((cell.guarantee, cell.phase), []).append(cell)
    order: list[Cell] = []
    while any(groups.values()):
        order += [group.pop(0) for group in groups.values() if group]
    return order


class Matrix:
    def __init__(self, shared: dict[Engine, Server], tmp: Path) -> None:
        self.shared = shared  # each engine's server the cells share
        self.tmp = tmp
        self.facts = {
            engine: ServerFacts(
                mariadb=is_mariadb(server),
                local_socket=isinstance(server, LocalServer) or engine is Engine.POSTGRESQL,
            )
            for engine, server in shared.items()
        }
        self._pool = ThreadPoolExecutor(CONCURRENT_CELLS, thread_name_prefix="safety-cell")
        self._bulk_pool = ThreadPoolExecutor(1, thread_name_prefix="safety-bulk")
        self._bulk: Future[BulkSource] | None = None
        self._bulk_lock = threading.Lock()
        self._outcomes: dict[Cell, Future[Outcome]] = {}
        self._started = time.monotonic()

    def start(self, cells: Iterable[Cell]) -> None:
        present = [cell for cell in dict.fromkeys(cells) if self._absence(cell) is None]
        if any(cell.bulk for cell in present):
            self._bulk_source_future()
        for cell in interleaved(present):
            self._submit(cell)

    def verify(self, cell: Cell) -> None:
        """The cell's test: skipped with its reason, or failed with what its story found."""
        reason = self._absence(cell)
        if reason is not None:
            pytest.skip(reason)
        future = self._outcomes.get(cell) or self._submit(cell)
        outcome = future.result()
        if outcome.crash is not None:
            pytest.fail(f"{cell}: the cell itself broke (not a finding):\n{outcome.crash}")
        if outcome.failures:
            pytest.fail(f"{cell} does not hold:\n{outcome.report()}", pytrace=False)

    def _absence(self, cell: Cell) -> str | None:
        return cell.absence(self.facts[cell.engine])

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._write_timings(self.tmp / "timings.json")
        self._bulk_pool.shutdown(wait=True)
        if self._bulk is not None and self._bulk.exception() is None:
            self._bulk.result().server.stop()
        for server in self.shared.values():
            server.stop()

    def _write_timings(self, path: Path) -> None:
        """When each cell ran and how it ended, for whoever tunes the matrix's running time."""
        done = {
            str(cell): future.result()
            for cell, future in self._outcomes.items()
            if future.done() and not future.cancelled()
        }
        timings = {
            name: {
                "started": round(o.started, 1),
                "seconds": round(o.seconds, 1),
                "holds": not (o.failures or o.crash),
                "notes": list(o.notes),
            }
            for name, o in done.items()
        }
        path.write_text(json.dumps(timings, indent=1), encoding="utf-8")

    def _submit(self, cell: Cell) -> Future[Outcome]:
        tmp = self.tmp / f"{len(self._outcomes):03d}"  # short: a server's socket lives below
        future = self._pool.submit(self._run, cell, tmp)
        self._outcomes[cell] = future
        return future

    def _bulk_source_future(self) -> Future[BulkSource]:
        with self._bulk_lock:
            if self._bulk is None:
                self._bulk = self._bulk_pool.submit(filled_source, self.tmp / "bulk")
            return self._bulk

    def _bulk_source(self) -> BulkSource:
        return self._bulk_source_future().result()

    def _run(self, cell: Cell, tmp: Path) -> Outcome:
        tmp.mkdir(parents=True)
        (tmp / "CELL").write_text(f"{cell}\n", encoding="utf-8")
        findings = Findings()
        started = time.monotonic()
        crash = None
        try:
            with ExitStack() as cleanup:
                shared = self.shared[cell.engine]
                cell.story(CellContext(cell, tmp, shared, findings, self._bulk_source, cleanup))
        except CellFailed as exc:
            findings.failures.append(str(exc))
        except Exception:
            crash = traceback.format_exc()
        seconds = time.monotonic() - started
        return Outcome(
            tuple(findings.failures),
            tuple(findings.notes),
            started - self._started,
            seconds,
            crash,
        )
