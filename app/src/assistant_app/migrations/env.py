"""Alembic environment: runs online against the URL set by assistant_app.db."""

from alembic import context
from sqlalchemy import create_engine, pool

from assistant_app.db import Base

config = context.config


def run() -> None:
    connectable = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
