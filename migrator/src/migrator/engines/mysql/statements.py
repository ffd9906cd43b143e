"""Raw SQL, read as MySQL reads it: one home for "which statements are these, and is this DDL?".

sqlglot's MySQL tokenizer drops comments and resolves quoting and case, so `/* why */ alter
table` is the ALTER it is, and a `;` inside a string literal splits nothing. Statements sqlglot's
MySQL dialect parses (UPDATE, DELETE, most ALTERs) also carry its syntax tree; for the forms it
hands back as an opaque `Command` (CONVERT TO CHARACTER SET, PARTITION BY, DISCARD TABLESPACE)
or cannot parse (`DO SLEEP(5)`), the tokens are all there is, and enough to name the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import SqlglotError

from migrator.engines.mysql.ddl_verbs import DDL_VERBS

_COMMANDS = MySQL.Tokenizer.COMMANDS
_QUOTED = (TokenType.IDENTIFIER, TokenType.STRING)  # a name or a value, never a keyword


class Word(str):
    """An unquoted token's text, as written (for the names a finding shows), that compares and
    hashes as its upper-cased form, as MySQL reads keywords: `word == "ALTER"`, `word in {...}`."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.upper() == other.upper()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.upper())


def _words(tokens: Sequence[Token]) -> list[str]:
    words: list[str] = []
    for index, token in enumerate(tokens):
        if (
            index == 1
            and tokens[0].token_type in _COMMANDS
            and token.token_type == TokenType.STRING
        ):
            # After a verb sqlglot does not parse (OPTIMIZE, RENAME), its tokenizer keeps the
            # rest of the statement as one string: read it as the words it is.
            words += _words(MySQL().tokenize(token.text))
        elif token.token_type in _QUOTED:
            words.append(token.text)
        else:
            words += [Word(part) for part in token.text.split()]  # "PRIMARY KEY": two words
    return words


@dataclass(frozen=True)
class Statement:
    text: str  # as written, comments inside it included
    tokens: tuple[Token, ...]

    @property
    def words(self) -> list[str]:
        """The statement's words: keywords compare in any case; quoted names and strings are
        plain strings, so a column named `drop` is never the keyword DROP."""
        return _words(self.tokens)

    @property
    def verb(self) -> str:
        words = self.words
        return words[0] if words else ""

    @property
    def is_ddl(self) -> bool:
        return self.verb in DDL_VERBS

    def tree(self) -> exp.Expr | None:
        """sqlglot's syntax tree, or None where it has only an opaque Command or a parse error."""
        try:
            parsed = sqlglot.parse_one(self.text, read="mysql")
        except SqlglotError:
            return None
        return None if isinstance(parsed, exp.Command) else parsed


def split_statements(sql: str) -> list[Statement]:
    """The statements of `sql`, however many, without the empty ones."""
    try:
        tokens = MySQL().tokenize(sql)
    except SqlglotError:
        # Unreadable to the tokenizer (an unterminated quote): one statement, no words known.
        return [Statement(sql.strip(), ())]
    statements: list[Statement] = []
    current: list[Token] = []
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if current:
                text = sql[current[0].start : current[-1].end + 1]
                statements.append(Statement(text, tuple(current)))
            current = []
        else:
            current.append(token)
    return statements


def locked_table(sql: str) -> str | None:
    """The existing table whose metadata lock the first statement of `sql` takes (its name
    without the schema), or None: not DDL, a new table, or not told by the statement."""
    statements = split_statements(sql)
    if not statements or not statements[0].is_ddl:
        return None
    words = statements[0].words
    if "INDEX" in words[1:3]:  # CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX / DROP INDEX ... ON t
        anchor = "ON"
    elif words[0] == "CREATE":
        return None  # CREATE TABLE, VIEW, ...: nobody holds a lock on what does not exist yet
    elif words[0] == "TRUNCATE" and words[1:2] != ["TABLE"]:
        anchor = "TRUNCATE"
    else:
        anchor = "TABLE"  # ALTER [ONLINE] [IGNORE] TABLE, DROP TABLE, RENAME TABLE, OPTIMIZE
    if anchor not in words:
        return None
    rest = [w for w in words[words.index(anchor) + 1 :] if w not in ("IF", "EXISTS")]
    if not rest:
        return None
    # schema.table: the name is the last part.
    return str(rest[2]) if rest[1:2] == ["."] and len(rest) > 2 else str(rest[0])


def is_ddl(sql: str) -> bool:
    """Whether `sql` starts with a DDL statement, whatever comments come before it."""
    statements = split_statements(sql)
    return bool(statements) and statements[0].is_ddl
