"""Revision 0009: a database of revision 0008 keeps its units and roles, and then takes roles it never knew."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from tests.databases import postgresql_schema, postgresql_url
from web.core import migrate
from web.core.db import make_engine

_ROWS = [
    "INSERT INTO org_unit (code, name, short_name, notation, display_code, kind, valid_from, position) "
    "VALUES ('AG', 'Cơ quan', 'Cơ quan', 'AG', 'AG', 'agency', '2020-01-01', 0)",
    "INSERT INTO app_user (username, full_name, initials, position_title, unit_code, active) "
    "VALUES ('vt', 'Văn Thư', 'VT', 'Văn thư', 'AG', true)",
    "INSERT INTO role_assignment (username, role, unit_code) VALUES ('vt', 'clerk', 'AG')",
]
_ASSIGN = "INSERT INTO role_assignment (username, role, unit_code) VALUES ('vt', '{role}', 'AG')"


def _roles_become_data(engine: Engine) -> None:
    migrate.upgrade(engine, "0008")
    with engine.begin() as connection:
        for statement in _ROWS:
            connection.execute(text(statement))
    migrate.upgrade(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT role FROM role_assignment")).scalars().all() == ["clerk"]
        declared = connection.execute(text("SELECT code, name FROM org_role ORDER BY position")).all()
        assert declared[0] == ("clerk", "Văn thư") and len(declared) == 10
        assert "agency" in connection.execute(text("SELECT code FROM org_unit_kind")).scalars().all()
        # A role the chart declares needs no migration any more.
        connection.execute(text("INSERT INTO org_role (code, name, position) VALUES ('inspector', 'Thanh tra', 10)"))
        connection.execute(
            text("INSERT INTO role_assignment (username, role, unit_code) VALUES ('vt', 'inspector', 'AG')")
        )
    # An undeclared role is still refused by the database.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("INSERT INTO role_assignment (username, role, unit_code) VALUES ('vt', 'janitor', 'AG')")
        )
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM role_assignment WHERE role = 'inspector'"))
    migrate.downgrade(engine, "0008")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT role FROM role_assignment")).scalars().all() == ["clerk"]


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'roles.sqlite'}")
    yield engine
    engine.dispose()


def test_roles_become_data_on_sqlite(sqlite_file: Engine) -> None:
    """Upgraded with its rows kept, a new declared role is accepted, an undeclared one refused; down again."""
    _roles_become_data(sqlite_file)


@pytest.mark.postgresql
def test_roles_become_data_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _roles_become_data(engine)
