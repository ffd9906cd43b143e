"""One exit-code table: the errors carry their codes, and --help and the README show the same."""

from __future__ import annotations

import re

import pytest

from core.settings import PROJECT_ROOT
from harness.migrator_process import run_migrator
from migrator.cli.main import build_parser
from migrator.errors import ConfigurationError, MigratorError
from migrator.exit_codes import exit_code_table


def _readme_table() -> list[tuple[str, str]]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("| exit code | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in section.strip().splitlines()[1:]:
        code, meaning = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((code, meaning.replace("`", "")))
    return rows


def test_the_readme_table_is_the_migrators_table() -> None:
    assert _readme_table() == exit_code_table()


def test_help_shows_every_row() -> None:
    text = re.sub(r"\s+", " ", build_parser().format_help())

    for code, meaning in exit_code_table():
        assert f"{code} {meaning}" in text


def test_every_code_has_one_meaning() -> None:
    codes = [code for code, _ in exit_code_table()]

    assert len(codes) == len(set(codes))
    assert {str(cls.exit_code) for cls in _every_error_class()} <= set(codes)


def _every_error_class() -> list[type[MigratorError]]:
    found, todo = [], [MigratorError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return [cls for cls in found if cls.meaning]


@pytest.mark.parametrize("argv", [["no-such-command"], ["upgrade", "--no-such-flag"]])
def test_usage_errors_exit_2_and_run_nothing(argv: list[str]) -> None:
    # A URL that would fail with another code (3) if any command ran.
    result = run_migrator("mysql+pymysql://u:p@127.0.0.1:1/db", *argv, migrator_wait_timeout=1)

    assert result.returncode == ConfigurationError.exit_code
    assert "usage: migrate" in result.stderr
