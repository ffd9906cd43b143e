"""A data migration as people write it: an ad-hoc sa.table() whose column carries no type, which
Alembic's offline mode cannot render with literal values (SQLAlchemy's CompileError).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    some_infos = sa.table("some_infos", sa.column("kind"))
    op.execute(some_infos.update().values(kind="note"))


def downgrade() -> None:
    pass
