"""Alembic environment: runs migrations on the connection the CLI hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import engine.models  # noqa: F401  (registers the engine's tables)
import web.core.models  # noqa: F401  (registers the web layer's tables)
import workflows.models  # noqa: F401  (registers the domain's tables)
from engine.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate using the connection given in config.attributes, or the URL in the config."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
