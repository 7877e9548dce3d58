"""Database models, engine and migration helpers."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, String, Text, create_engine, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .config import Settings

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    user: Mapped[str] = mapped_column(String(100), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="api")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": 3},
    )


def engine(settings: Settings) -> Engine:
    return _engine(settings.database_url)


def sessions(settings: Settings) -> sessionmaker:
    return sessionmaker(engine(settings), expire_on_commit=False)


def alembic_config(settings: Settings):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would eat a '%' in a URL-quoted password.
    cfg.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def _head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def head_revision(settings: Settings) -> str | None:
    """The newest migration shipped with this code (fixed for the life of the process)."""
    return _head()


def current_revision(settings: Settings) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine(settings).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(settings: Settings) -> None:
    from alembic import command

    command.upgrade(alembic_config(settings), "head")


# An id in a URL: a positive PostgreSQL integer (the tables' serial keys). Anything larger
# is refused with 422 instead of reaching the database, which would fail with a 500.
ROW_ID_MAX = 2**31 - 1
