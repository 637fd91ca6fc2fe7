"""The inbox's search box through the engine: every ready task of a case is found by the case's words.

The search reads the text each ready task row carries, not the case; these tests run a real process
whose case gets a new number while its tasks wait, and search in fresh sessions after each command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.inbox import InboxQuery, inbox
from engine.models import ProcessInstance, TaskRow
from engine.text import extend

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

# Who holds which (role, unit) pairs, as in tests/engine/conftest.py's PEOPLE.
ROLES = {"an": [("specialist", "dept")], "binh": [("specialist", "dept")], "dung": [("specialist", "other")]}


def _found(env: EngineEnv, username: str, text: str) -> set[int]:
    """The instances whose tasks the user's inbox lists for `text`, read in a fresh session."""
    with env.sessions() as session:
        page = inbox(session, username, ROLES[username], InboxQuery(text=text, per_page=100))
        return {row.task.instance_id for row in page.rows}


def _start_three_units(env: EngineEnv) -> tuple[int, list[int]]:
    env.deploy("fanout_child.bpmn", "fanout.bpmn")
    with env.transaction() as engine:
        case_id = engine.start("fanout", "an", {"items": [1, 2, 3]}, title="Phòng, chống tham nhũng").instance_id
    children = env.rows(ProcessInstance, ProcessInstance.parent_id == case_id)
    return case_id, [child.id for child in children]


def _task_of(env: EngineEnv, instance_id: int) -> str:
    (task,) = env.rows(TaskRow, TaskRow.instance_id == instance_id, TaskRow.state == "ready")
    return task.id


def test_tasks_of_a_new_case_are_found_by_its_title_with_or_without_marks(bare_env: EngineEnv) -> None:
    """Each unit's task of the case is listed for its words, typed with or without diacritics."""
    _case_id, children = _start_three_units(bare_env)
    assert _found(bare_env, "an", "tham nhũng") == set(children)
    assert _found(bare_env, "an", "PHONG, CHONG") == set(children)
    assert _found(bare_env, "an", "kế hoạch") == set()
    assert _found(bare_env, "dung", "tham nhung") == set()  # another unit's specialist


def test_a_number_given_while_tasks_wait_finds_them_claimed_or_not(bare_env: EngineEnv) -> None:
    """The case gets a number during another instance's command; the tasks still open are found by it."""
    case_id, (first, second, third) = _start_three_units(bare_env)
    first_task, second_task = _task_of(bare_env, first), _task_of(bare_env, second)
    with bare_env.transaction() as engine:
        engine.claim(second_task, "an")
    with bare_env.transaction() as engine:
        # As the directive's issuing script does: the case is known by its number from now on.
        case = engine.session.get(ProcessInstance, case_id)
        assert case is not None
        case.search_text = extend(case.search_text, "15/KH-SO")
        engine.complete(first_task, "an", {"note": "xong"})
    assert _found(bare_env, "an", "15/kh-so") == {second, third}
    assert _found(bare_env, "binh", "15/kh-so") == {third}  # the claimed one is an's alone
    assert _found(bare_env, "an", "tham nhung") == {second, third}
