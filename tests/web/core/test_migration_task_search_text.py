"""Revision 0019: the ready tasks of a database of 0018 take their case's search text, and go back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.databases import postgresql_schema, postgresql_url
from web.core import migrate
from web.core.db import make_engine

_ROWS = [
    "INSERT INTO process_definition (id, key, name, version, checksum, filename, bpmn_xml, metadata,"
    " deployed_by, deployed_at) VALUES (1, 'p', 'p', 1, 'c', 'p.bpmn', '', '{}', 'quantri', '2023-03-06')",
    "INSERT INTO process_instance (id, definition_id, process_key, case_id, parent_id, title, search_text,"
    " status, state, serializer_version, started_by, started_at, version)"
    " VALUES (1, 1, 'p', 1, NULL, 'Tham nhũng', 'tham nhung | 15/kh', 'running', '{}', '1', 'an', '2023-03-06', 1),"
    " (2, 1, 'p', 1, 1, 'Tham nhũng', 'tham nhung', 'running', '{}', '1', 'an', '2023-03-06', 1)",
]
_TASK = (
    "INSERT INTO task (id, instance_id, case_id, spec_name, title, state, priority, created_at, version)"
    " VALUES ('{id}', {instance}, 1, 's', 'S', '{state}', 0, '2023-03-06', 1)"
)


def _tasks_take_their_case_text(engine: Engine) -> None:
    migrate.upgrade(engine, "0018")
    with engine.begin() as connection:
        for statement in _ROWS:
            connection.execute(text(statement))
        for task_id, instance, state in [("a", 1, "ready"), ("b", 2, "ready"), ("c", 2, "completed")]:
            connection.execute(text(_TASK.format(id=task_id, instance=instance, state=state)))
    migrate.upgrade(engine)
    with engine.begin() as connection:
        texts = dict(connection.execute(text("SELECT id, search_text FROM task ORDER BY id")).all())
    # The case's text (not the child instance's) on every ready task; a finished one is left alone.
    assert texts == {"a": "tham nhung | 15/kh", "b": "tham nhung | 15/kh", "c": None}
    migrate.downgrade(engine, "0018")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM task")).scalar() == 3


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'tasks.sqlite'}")
    yield engine
    engine.dispose()


def test_ready_tasks_take_their_case_text_on_sqlite(sqlite_file: Engine) -> None:
    """Upgraded, each ready task carries its case's search text; down again with the tasks kept."""
    _tasks_take_their_case_text(sqlite_file)


@pytest.mark.postgresql
def test_ready_tasks_take_their_case_text_on_postgresql() -> None:
    """The same on PostgreSQL."""
    with postgresql_schema(postgresql_url()) as engine:
        _tasks_take_their_case_text(engine)
