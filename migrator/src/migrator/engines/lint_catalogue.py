"""What `migrate lint` asks of an engine's rules, as Atlas's sqlcheck asks each driver's
analyzers: lint (migrator.lint) reads revisions and reports findings, and never imports an
engine; each engine gives its catalogue (DatabaseEngine.lint_catalogue)."""

from __future__ import annotations

from typing import Protocol

from alembic.operations import ops

Hit = tuple[str, str]  # a rule's name, and its target ("table.column", "execute(...)")


class LintRule(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def what(self) -> str:
        """The operation, as the engine's manual names it."""
        ...

    @property
    def breaks(self) -> str:
        """How the build still serving fails, when it does ("" when it does not)."""
        ...

    @property
    def fix(self) -> str: ...

    @property
    def locks_rows(self) -> bool:
        """DML holding row locks on the whole table until the revision commits."""
        ...

    @property
    def blocks_writes(self) -> bool: ...

    @property
    def fails(self) -> str:
        """How the revision fails on the server because of it ("" when it does not)."""
        ...

    def describe_verdict(self) -> str: ...

    def verdicts(self) -> dict[str, str]:
        """Each server version's verdict, by the key `--format json` gives it."""
        ...


class LintCatalogue(Protocol):
    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect the revisions are read for (Alembic's offline mode)."""
        ...

    @property
    def reads_for(self) -> str:
        """Which servers (and versions) the verdicts are for, as lint's log says it."""
        ...

    @property
    def unreadable(self) -> LintRule:
        """Lint's own rule for what it could not read: a person reads it instead."""
        ...

    @property
    def upgrade_failed(self) -> str:
        """`unreadable`'s target when upgrade() itself raised."""
        ...

    def hits_for(self, operation: ops.MigrateOperation, *, autocommit: bool = False) -> list[Hit]:
        """`autocommit`: the operation ran inside an autocommit block, its own transaction."""
        ...

    def sequence_hits(
        self, operations: list[tuple[ops.MigrateOperation, bool, int]]
    ) -> list[tuple[int, str, str]]:
        """What only the revision's operations together show (each: the operation, whether
        it ran in an autocommit block, which of the revision's transactions it ran in), as
        (the operation's index, the rule's name, the target)."""
        ...

    def rule_named(self, name: str) -> LintRule: ...
