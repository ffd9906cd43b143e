"""The ORM models: the schema the Alembic revisions must produce, exactly."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SomeInfo(Base):
    __tablename__ = "some_infos"
    __table_args__ = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}  # noqa: RUF012

    # SQLite only auto-increments an INTEGER PRIMARY KEY, hence the variant.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    # TEXT: at most 65,535 bytes, a limit api.info_form enforces before any write.
    desc: Mapped[str] = mapped_column(Text, nullable=False)
