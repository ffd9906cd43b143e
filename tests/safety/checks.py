"""What a cell found: each expectation that did not hold, one line each, and the step without
which the rest of the cell means nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.1


class CellFailed(Exception):
    """A step the rest of the cell depends on did not happen (or the cell could not create its
    condition): the cell ends here, failed, with this message."""


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # timings, for the failure message and report

    def expect(self, holds: bool, message: str) -> bool:
        if not holds:
            self.failures.append(message)
        return holds

    def note(self, message: str) -> None:
        self.notes.append(message)


def require(holds: bool, message: str) -> None:
    if not holds:
        raise CellFailed(message)


def poll_until(
    look: Callable[[], T | None],
    timeout: float,
    failure: str,
    *,
    still_worth_waiting: Callable[[], str | None] = lambda: None,
) -> T:
    """Call `look` until it returns something; CellFailed(failure) after `timeout` s, or at once
    with what `still_worth_waiting` says when it says anything (the runner ended early)."""
    deadline = time.monotonic() + timeout
    while True:
        found = look()
        if found is not None:
            return found
        gone = still_worth_waiting()
        if gone is not None:
            raise CellFailed(f"{failure}: {gone}")
        if time.monotonic() >= deadline:
            raise CellFailed(f"{failure} within {timeout:g} s")
        time.sleep(POLL_SECONDS)
