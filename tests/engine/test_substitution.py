"""Out of office in the engine: a substitute does the absent person's tasks on the days named, and the
trail says for whom; the days are the engine's clock's, in the business's time zone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from engine.errors import PermissionDenied
from engine.models import AuditEvent, TaskRow

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

# Dũng, a specialist of another unit, stands in for An from Monday 6 to Tuesday 7 March 2023.
MONDAY, TUESDAY = date(2023, 3, 6), date(2023, 3, 7)


def _start(env: EngineEnv, data: dict[str, Any]) -> str:
    with env.transaction() as engine:
        (task,) = engine.start("approval", "chi", data, title="Kế hoạch").new_tasks
    return task.id


def _events(env: EngineEnv, tag: str) -> list[AuditEvent]:
    return env.rows(AuditEvent, AuditEvent.tag == tag)


def test_a_substitute_claims_and_completes_a_task_offered_to_the_absent_persons_role(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """Dũng may not touch the unit's task until he stands in for An; then both his steps name An."""
    task_id = _start(engine_env, approval_data)
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.claim(task_id, "dung")
    engine_env.directory.stand_ins.add(("dung", "an", MONDAY, TUESDAY))
    with engine_env.transaction() as engine:
        assert engine.may_do("dung", engine.task(task_id))
        engine.claim(task_id, "dung")
    with engine_env.transaction() as engine:
        engine.complete(task_id, "dung", {"text": "Dự thảo"})
    assert engine_env.row(TaskRow, task_id).completed_by == "dung"
    (claimed,) = _events(engine_env, "engine:task:claimed")
    (completed,) = _events(engine_env, "engine:task:completed")
    assert (claimed.actor, claimed.after["on_behalf_of"]) == ("dung", "an")
    assert (completed.actor, completed.after["on_behalf_of"]) == ("dung", "an")


def test_a_substitute_completes_a_task_the_absent_person_had_claimed(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """An claimed the task before leaving; Dũng completes it for her, and it stays An's in the row."""
    task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
    engine_env.directory.stand_ins.add(("dung", "an", MONDAY, TUESDAY))
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Bình không thay An"})
    with engine_env.transaction() as engine:
        engine.complete(task_id, "dung", {"text": "Dự thảo"})
    row = engine_env.row(TaskRow, task_id)
    assert (row.assignee, row.completed_by) == ("an", "dung")
    (completed,) = _events(engine_env, "engine:task:completed")
    assert completed.after["on_behalf_of"] == "an"


def test_own_work_names_nobody_and_the_days_are_the_engines(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """Bình's own step records no one; the day after the substitution (Hà Nội time) Dũng is refused again."""
    engine_env.directory.stand_ins.add(("dung", "an", MONDAY, TUESDAY))
    task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.claim(task_id, "binh")
        engine.release(task_id, "binh")
    assert all("on_behalf_of" not in e.after for e in _events(engine_env, "engine:task:claimed"))
    # Tuesday 23:30 in Hà Nội is still Tuesday; 00:30 on Wednesday is not.
    engine_env.clock.advance(timedelta(days=1, hours=15, minutes=30))
    with engine_env.transaction() as engine:
        assert engine.may_do("dung", engine.task(task_id))
    engine_env.clock.advance(timedelta(hours=1))
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.claim(task_id, "dung")
