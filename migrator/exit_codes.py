"""The migrator's exit codes: its contract with Compose, Kubernetes and scripts."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    MIGRATION_FAILED = 1
    CONFIG_ERROR = 2
    DB_UNREACHABLE = 3
    DB_REJECTED = 4
    LOCK_TIMEOUT = 5
    SCHEMA_NOT_READY = 6
    MODELS_DIFFER = 7
    # A signal ends the process with 128 + its number, as shells report it: 130 SIGINT, 143 SIGTERM.
    SIGNAL_BASE = 128


EXIT_CODE_MEANINGS = {
    ExitCode.OK: "success: at head, already there, or the database is ahead of this build",
    ExitCode.MIGRATION_FAILED: "a revision failed; on MySQL its DDL may be partly applied",
    ExitCode.CONFIG_ERROR: "usage or configuration error (bad variable, URL, missing driver)",
    ExitCode.DB_UNREACHABLE: "database unreachable before MIGRATOR_WAIT_TIMEOUT",
    ExitCode.DB_REJECTED: "database refused us for good (authentication, unknown database)",
    ExitCode.LOCK_TIMEOUT: "another migrator held the lock past MIGRATOR_LOCK_TIMEOUT",
    ExitCode.SCHEMA_NOT_READY: "await-schema/check: schema not at the required revision in time",
    ExitCode.MODELS_DIFFER: "check: the models and the migrations differ",
}


def describe_exit_codes() -> str:
    lines = [f"  {int(code):>3}  {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items()]
    lines.append("  130/143  interrupted by SIGINT/SIGTERM while waiting")
    return "exit codes:\n" + "\n".join(lines)
