"""The helpdesk's env.py: its engine and its metadata come from the application, which builds
them from its own configuration, so this file cannot run without the `helpdesk` package.

The application's `helpdesk db upgrade` builds Alembic's Config in code, with script_location
set to this directory: there is no alembic.ini. The migrator runs these revisions with
MIGRATOR_ENV=builtin, which never imports this file.
"""

from alembic import context
from helpdesk import create_app
from helpdesk.extensions import db

config = context.config

app = create_app()
target_metadata = db.metadata


def run_migrations_offline():
    """Emit SQL to the script output instead of running it."""
    context.configure(
        url=app.config["SQLALCHEMY_DATABASE_URI"],
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run on a connection of the application's engine, one transaction per revision."""
    with app.app_context(), db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
            compare_type=True,
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
