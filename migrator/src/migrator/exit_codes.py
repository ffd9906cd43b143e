"""The one exit-code table, built from the error classes: read by `--help` and checked against
the README by a test."""

from __future__ import annotations

from migrator.errors import MigratorError

OK = 0
# A signal ends the process with 128 + its number, as shells report it: 130 SIGINT, 143 SIGTERM.
SIGNAL_BASE = 128

OK_MEANING = (
    "success: at head, already there, or the database is ahead of this build (proven by "
    "migrator_history)"
)
SIGNAL_ROW = (
    "130 / 143",
    "interrupted by SIGINT / SIGTERM: while waiting, or a running statement cancelled on the "
    "server (recorded interrupted; unknown where the server did not confirm it stopped)",
)


def _with_subclasses(cls: type[MigratorError]) -> list[type[MigratorError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += _with_subclasses(sub)
    return found


def exit_code_table() -> list[tuple[str, str]]:
    """(code, meaning) rows in code order: success, each error class that has a meaning, signals."""
    by_code = {OK: OK_MEANING}
    classes = _with_subclasses(MigratorError)
    for cls in classes:
        if cls.meaning:
            previous = by_code.setdefault(int(cls.exit_code), cls.meaning)
            if previous != cls.meaning:
                raise RuntimeError(f"exit code {int(cls.exit_code)} has two meanings")
    rows = [(str(code), meaning) for code, meaning in sorted(by_code.items())]
    return [*rows, SIGNAL_ROW]


def describe_exit_codes() -> str:
    lines = [f"  {code:>9}  {meaning}" for code, meaning in exit_code_table()]
    return "exit codes:\n" + "\n".join(lines)
