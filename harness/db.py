"""Small read-only look-ups the tests assert on."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text


def version_in(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return []
            return list(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


def tables_in(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def count_rows(url: str, table: str = "some_infos") -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def seed_rows(url: str, rows: int) -> None:
    """Insert `rows` rows into some_infos in one transaction (a table the old build filled)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO some_infos (`desc`) VALUES (:desc)"),
                [{"desc": f"row {n} " + "x" * 80} for n in range(rows)],
            )
    finally:
        engine.dispose()
