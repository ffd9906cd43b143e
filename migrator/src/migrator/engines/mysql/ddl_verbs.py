"""The verbs of DDL statements, and a test that needs no SQL parser: a statement that names none
of them as a word is not DDL, whatever its comments and quoting. The parser behind
migrator.engines.mysql.statements (sqlglot, about 0.1 s to import) is then only loaded for a
statement that might be DDL, so a run with nothing to migrate never pays for it."""

from __future__ import annotations

import re

# Statements MySQL commits on their own and that wait for a table's metadata lock.
DDL_VERBS = frozenset({"ALTER", "CREATE", "DROP", "RENAME", "TRUNCATE", "OPTIMIZE"})
_NAMES_A_VERB = re.compile(rf"\b(?:{'|'.join(sorted(DDL_VERBS))})\b", re.IGNORECASE)


def may_be_ddl(sql: str) -> bool:
    return _NAMES_A_VERB.search(sql) is not None
