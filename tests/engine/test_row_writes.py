"""Rows written straight to their tables (engine/row_writes.py): the optimistic lock holds, the session's
objects stay in step, and a later change through the ORM still goes out once, checked against the new version."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from engine import row_writes
from engine.errors import ConcurrencyConflict
from engine.models import ProcessInstance, TaskRow
from tests.engine.conftest import START

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from tests.engine.conftest import EngineEnv


def _started(env: EngineEnv, data: dict[str, Any]) -> tuple[int, str]:
    with env.transaction() as engine:
        started = engine.start("approval", "an", data)
    return started.instance_id, started.new_tasks[0].id


@contextmanager
def _updates(session: Session) -> Iterator[list[str]]:
    """The tables of the UPDATE statements the session sends meanwhile."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("UPDATE"):
            sent.append(statement.split()[1])

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", record)


def test_a_written_row_is_stored_and_its_object_is_clean(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """The values reach the table with the version one up; the object holds them, and committing the
    session writes nothing more."""
    _, task_id = _started(engine_env, approval_data)
    with engine_env.sessions() as session:
        row = session.get(TaskRow, task_id)
        assert row is not None and row.version == 1
        row_writes.write(session, row, {"assignee": "binh", "comment": "đã nhận"}, "task", task_id=task_id)
        assert (row.assignee, row.comment, row.version) == ("binh", "đã nhận", 2)
        assert not session.dirty
        with _updates(session) as sent:
            session.commit()
        assert sent == []
    stored = engine_env.row(TaskRow, task_id)
    assert (stored.assignee, stored.comment, stored.version) == ("binh", "đã nhận", 2)


def test_a_row_changed_meanwhile_is_a_conflict_and_nothing_is_written(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """Two readers of the same task: the first to write wins, the second gets a conflict naming the task."""
    _, task_id = _started(engine_env, approval_data)
    with engine_env.sessions() as first:
        mine = first.get(TaskRow, task_id)
        assert mine is not None
        first.commit()  # read as a page would have read it; SQLite lets one writer at a time in
        with engine_env.sessions() as second:
            theirs = second.get(TaskRow, task_id)
            assert theirs is not None
            row_writes.write(second, theirs, {"assignee": "binh"}, "task 'Duyệt'", task_id=task_id)
            second.commit()
        with pytest.raises(ConcurrencyConflict, match="task 'Duyệt' was changed by someone else") as raised:
            row_writes.write(first, mine, {"assignee": "an"}, "task 'Duyệt'", task_id=task_id)
        assert raised.value.task_id == task_id
        first.rollback()
    stored = engine_env.row(TaskRow, task_id)
    assert (stored.assignee, stored.version) == ("binh", 2)


def test_a_later_orm_change_is_checked_against_the_written_version(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """After a straight write, an attribute changed the ORM's way is flushed once, as version 3."""
    instance_id, _ = _started(engine_env, approval_data)
    with engine_env.sessions() as session:
        row = session.get(ProcessInstance, instance_id)
        assert row is not None
        row_writes.write(session, row, {"title": "Kế hoạch"}, "case", instance_id=instance_id)
        row.business_key = "12/KH"
        session.commit()
    stored = engine_env.row(ProcessInstance, instance_id)
    assert (stored.title, stored.business_key, stored.version) == ("Kế hoạch", "12/KH", 3)


def test_inserted_rows_are_persistent_at_version_one(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """New rows written straight out are the session's persistent objects, as after a flush: found by key
    without a query, and changed the ORM's way with the optimistic lock."""
    instance_id, task_id = _started(engine_env, approval_data)
    with engine_env.sessions() as session:
        first = engine_env.row(TaskRow, task_id)
        copies = [
            TaskRow(
                id=f"00000000-0000-0000-0000-00000000000{n}",
                instance_id=instance_id,
                case_id=instance_id,
                spec_name=first.spec_name,
                title=f"Bản sao {n}",
                state="ready",
                priority=0,
                created_at=START,
            )
            for n in (1, 2)
        ]
        session.add_all(copies)
        row_writes.insert(session, copies)
        assert all(copy.version == 1 for copy in copies) and not session.new
        assert session.get(TaskRow, copies[0].id) is copies[0]
        copies[1].assignee = "binh"
        session.commit()
    assert [(r.title, r.assignee, r.version) for r in engine_env.rows(TaskRow, TaskRow.title.like("Bản sao%"))] == [
        ("Bản sao 1", None, 1),
        ("Bản sao 2", "binh", 2),
    ]
