"""`migrate`: the one entry point, mapping every outcome to a named exit code."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from api.errors import ConfigurationError
from api.logging_setup import configure_logging
from api.settings import get_settings
from migrator import commands
from migrator.errors import (
    DatabaseRejected,
    DatabaseUnreachable,
    LockTimeout,
    MigrationFailed,
    ModelsDiffer,
    SchemaNotReady,
    Terminated,
)
from migrator.exit_codes import ExitCode, describe_exit_codes
from migrator.signals import install_handlers

log = logging.getLogger("migrator")

_EXIT_CODES: tuple[tuple[type[Exception], ExitCode], ...] = (
    (ConfigurationError, ExitCode.CONFIG_ERROR),
    (DatabaseUnreachable, ExitCode.DB_UNREACHABLE),
    (DatabaseRejected, ExitCode.DB_REJECTED),
    (LockTimeout, ExitCode.LOCK_TIMEOUT),
    (MigrationFailed, ExitCode.MIGRATION_FAILED),
    (SchemaNotReady, ExitCode.SCHEMA_NOT_READY),
    (ModelsDiffer, ExitCode.MODELS_DIFFER),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrate",
        description="Apply the Alembic schema migrations once, safely, and exit.",
        epilog=describe_exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "upgrade", help="wait for the database, take the lock, upgrade to head (default)"
    )
    sub.add_parser("current", help="print the database's revision and how it compares")
    plan = sub.add_parser("plan", help="print the SQL that upgrade would run (offline mode)")
    plan.add_argument("--from", dest="from_revision", help="start here instead of the database")
    sub.add_parser("check", help="fail when the models and the migrations differ")
    sub.add_parser(
        "await-schema", help="wait, without migrating, until the schema is at the required revision"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # argparse exits 2 on usage errors
    install_handlers()
    try:
        settings = get_settings()
    except ConfigurationError as exc:
        configure_logging("text", "INFO")
        log.error("%s", exc, extra={"exit_code": int(ExitCode.CONFIG_ERROR)})
        return ExitCode.CONFIG_ERROR
    configure_logging(settings.log_format, settings.log_level)
    name = args.command or "upgrade"
    try:
        if name == "upgrade":
            commands.upgrade(settings)
        elif name == "current":
            commands.current(settings)
        elif name == "plan":
            commands.plan(settings, args.from_revision)
        elif name == "check":
            commands.check(settings)
        else:
            commands.await_schema(settings)
    except Terminated as exc:
        code = ExitCode.SIGNAL_BASE + exc.signum
        log.warning("interrupted while waiting; exiting", extra={"exit_code": code})
        return code
    except Exception as exc:
        mapped = _exit_code_for(exc)
        if mapped is None:
            raise
        log.error("%s", exc, extra={"exit_code": int(mapped)})
        return mapped
    return ExitCode.OK


def _exit_code_for(exc: Exception) -> ExitCode | None:
    for error_type, code in _EXIT_CODES:
        if isinstance(exc, error_type):
            return code
    return None


def run() -> None:
    sys.exit(main())
