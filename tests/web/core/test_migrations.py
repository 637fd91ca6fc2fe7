"""The Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, Engine, inspect

from engine.db import Base
from tests.databases import postgresql_schema, postgresql_url
from web.core import migrate
from web.core.db import make_engine


def _load_all_models() -> None:
    """Every module that declares tables, so that Base.metadata knows them all."""
    import engine.models  # noqa: F401
    import workflows.models  # noqa: F401


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, empty SQLite file."""
    _load_all_models()
    engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite'}")
    yield engine
    engine.dispose()


def _flatten(diffs: list[Any]) -> Iterator[tuple[Any, ...]]:
    # Column-level changes come grouped in lists, one list per column.
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _type_equivalent(diff: tuple[Any, ...]) -> bool:
    """A type change between two spellings of the same column type, e.g. UtcDateTime vs DateTime(timezone=True).

    UtcDateTime is a TypeDecorator whose impl is DateTime(timezone=True); the database stores exactly
    that, so such a "difference" would only be the decorator's name, never a change in the schema.
    """
    if diff[0] != "modify_type":
        return False
    existing, wanted = diff[5], diff[6]
    wanted = getattr(wanted, "impl", wanted)
    return isinstance(existing, DateTime) and isinstance(wanted, DateTime) and existing.timezone == wanted.timezone


def _schema_differences(engine: Engine) -> list[tuple[Any, ...]]:
    """What autogenerate would still write into a new migration (type-equivalent changes ignored)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    return [diff for diff in _flatten(diffs) if not _type_equivalent(diff)]


def _check_upgrade_and_downgrade(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    assert migrate.current(engine) == migrate.head()
    assert _schema_differences(engine) == []
    migrate.upgrade(engine)  # already at head: nothing to do, nothing breaks
    assert migrate.current(engine) == migrate.head()
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current(engine) is None


def test_migrations_match_the_models_on_sqlite(sqlite_engine: Engine) -> None:
    """Upgrading a new SQLite file builds every table the models declare, no more; downgrading removes them."""
    _check_upgrade_and_downgrade(sqlite_engine)


def test_migrated_sqlite_schema_can_be_upgraded_again_after_downgrade(sqlite_engine: Engine) -> None:
    """An administrator can go down to base and back up to head."""
    migrate.upgrade(sqlite_engine)
    migrate.downgrade(sqlite_engine, "base")
    migrate.upgrade(sqlite_engine)
    assert set(inspect(sqlite_engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    assert _schema_differences(sqlite_engine) == []


@pytest.mark.postgresql
def test_migrations_match_the_models_on_postgresql() -> None:
    """The same migrations build the same schema in a fresh PostgreSQL schema, and take it down again."""
    _load_all_models()
    with postgresql_schema(postgresql_url()) as engine:
        _check_upgrade_and_downgrade(engine)


def test_upgrade_works_when_the_url_holds_a_percent_sign(tmp_path: Path) -> None:
    """A database URL with a percent-encoded character (here the folder "50%") can still be migrated."""
    _load_all_models()
    folder = tmp_path / "50%"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
