"""`migrate`: the one entry point; each subcommand names its function, each error its exit code."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import signal
import sys
from collections.abc import Sequence

from migrator.cli import commands
from migrator.cli.run_summary import RunSummary
from migrator.cli.unexpected import unexpected
from migrator.config.logging_setup import configure_logging
from migrator.config.settings import RunnerSettings, get_settings
from migrator.engines.base import DatabaseEngine, engine_for
from migrator.errors import ConfigurationError, MigratorError, Terminated
from migrator.exit_codes import SIGNAL_BASE, describe_exit_codes
from migrator.lint.report import FORMATS
from migrator.signals import install_handlers

log = logging.getLogger("migrator")


def runner_version() -> str:
    """The installed package's version, as its metadata has it (pip, uv, the image alike)."""
    try:
        return importlib.metadata.version("safe-migrator")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrate",
        description="Apply the Alembic schema migrations once, safely, and exit.",
        epilog=describe_exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"migrate {runner_version()}")
    parser.set_defaults(run=commands.upgrade)
    sub = parser.add_subparsers(metavar="COMMAND")
    sub.add_parser(
        "upgrade", help="wait for the database, take the lock, upgrade to head (default)"
    ).set_defaults(run=commands.upgrade)
    sub.add_parser(
        "current", help="print the database's revision and how it compares"
    ).set_defaults(run=commands.current)
    plan = sub.add_parser("plan", help="print the SQL that upgrade would run (offline mode)")
    plan.add_argument("--from", dest="from_revision", help="start here instead of the database")
    plan.set_defaults(run=commands.plan)
    sub.add_parser("check", help="fail when the models and the migrations differ").set_defaults(
        run=commands.check
    )
    lint = sub.add_parser(
        "lint",
        help="report pending revisions that block writes or break the running build (no DDL)",
    )
    which = lint.add_mutually_exclusive_group()
    which.add_argument("--from", dest="from_revision", help="lint the revisions after this one")
    which.add_argument(
        "--all", dest="all_revisions", action="store_true", help="lint every revision"
    )
    lint.add_argument(
        "--format",
        dest="output_format",
        choices=FORMATS,
        default="text",
        help="text (default), json, or github (workflow annotations on the revision's line)",
    )
    lint.add_argument(
        "--pg-version",
        dest="pg_version",
        type=int,
        metavar="MAJOR",
        help="PostgreSQL's major version to judge for (default: the server's when lint reads "
        "the database, else 13, the oldest the rules cover)",
    )
    lint.set_defaults(run=commands.lint)
    stamp = sub.add_parser(
        "stamp", help="set the version table to REVISION without DDL (adopt or finish a repair)"
    )
    stamp.add_argument("revision", metavar="REVISION", help="a revision id, head or base")
    stamp.set_defaults(run=commands.stamp)
    repair = sub.add_parser(
        "repair",
        help="say how a half-applied revision ended (it was finished or undone by hand)",
    )
    repair.add_argument("revision", metavar="REVISION", help="the revision that failed halfway")
    how = repair.add_mutually_exclusive_group(required=True)
    how.add_argument("--applied", action="store_true", help="finished by hand: stamp it as applied")
    how.add_argument(
        "--rolled-back",
        dest="rolled_back",
        action="store_true",
        help="undone by hand: the next upgrade runs it again",
    )
    repair.set_defaults(run=commands.repair)
    history = sub.add_parser("history", help="print migrator_history, newest first")
    history.add_argument("--json", dest="as_json", action="store_true", help="as JSON")
    history.set_defaults(run=commands.history)
    sub.add_parser(
        "await-schema", help="wait, without migrating, until the schema is at the required revision"
    ).set_defaults(run=commands.await_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # argparse exits 2 on usage errors
    install_handlers()
    summary = RunSummary(args.run.__name__.replace("_", "-"))
    try:
        settings = get_settings()
    except ConfigurationError as exc:
        configure_logging("text", "INFO")
        log.info("safe-migrator %s: migrate %s", runner_version(), summary.command)
        return summary.failed(exc.exit_code, str(exc))
    configure_logging(settings.log_format, settings.log_level)
    log.info("safe-migrator %s: migrate %s", runner_version(), summary.command)
    summary.message_path = settings.migrator_termination_message_path
    try:
        # The parsed options other than `run` are the command's keyword arguments.
        options = {name: value for name, value in vars(args).items() if name != "run"}
        outcome = args.run(settings, **options)
    except Terminated as exc:
        signal_name = signal.Signals(exc.signum).name
        code = SIGNAL_BASE + exc.signum
        return summary.failed(code, f"interrupted by {signal_name} {exc.during}")
    except MigratorError as exc:
        return summary.failed(exc.exit_code, str(exc))
    except Exception as exc:
        log.debug("the unexpected error's traceback", exc_info=True)
        error = unexpected(exc, _engine_of(settings))
        return summary.failed(error.exit_code, str(error))
    return summary.succeeded(outcome)


def run() -> None:
    code = main()
    if code > SIGNAL_BASE:
        # Told to stop, with a grace period running out: the interpreter's teardown of every
        # module took up to 2.5 s of a loaded machine's time after the last line was logged.
        # Everything is written by now (the history, the log, the termination message).
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)
    sys.exit(code)


def _engine_of(settings: RunnerSettings) -> DatabaseEngine | None:
    try:
        return engine_for(settings.sqlalchemy_url)
    except ConfigurationError:
        return None
