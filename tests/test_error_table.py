"""The one table of database error codes: classified as the README's error table says, and
in step with the migrator's own list of codes worth waiting out."""

from __future__ import annotations

import pymysql
import pytest
from sqlalchemy.exc import DBAPIError

from core.db_errors import CODES_OF, ERROR_TABLE, ErrorKind, classify
from core.settings import PROJECT_ROOT
from migrator.engines.mysql.errors import TRANSIENT_ERROR_CODES


def _server_error(code: int, message: str = "x") -> DBAPIError:
    orig = pymysql.err.OperationalError(code, message)
    error: DBAPIError = DBAPIError.instance("INSERT", {}, orig, pymysql.err.Error)
    return error


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (2013, ErrorKind.TRANSIENT),
        (1205, ErrorKind.TRANSIENT),
        (1213, ErrorKind.TRANSIENT),
        (1290, ErrorKind.FAILOVER),
        (1146, ErrorKind.SCHEMA_NOT_READY),
        (1364, ErrorKind.PERMANENT),
        (1048, ErrorKind.PERMANENT),
        (9999, ErrorKind.PERMANENT),  # a code nobody listed is permanent
    ],
)
def test_codes_are_classified_by_the_table(code: int, kind: ErrorKind) -> None:
    assert classify(_server_error(code)) is kind


def test_every_code_the_migrator_waits_out_is_transient_for_the_api() -> None:
    assert sorted(TRANSIENT_ERROR_CODES - CODES_OF[ErrorKind.TRANSIENT]) == []


def test_the_readme_lists_every_code_of_the_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = readme[readme.index("| server error codes |") :]
    table = table[: table.index("\n\n")]

    assert [known.code for known in ERROR_TABLE if str(known.code) not in table] == []
