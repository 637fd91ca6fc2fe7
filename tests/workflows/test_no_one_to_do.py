"""No step becomes a task nobody can see: the director's form refuses a division without the people to
do its work, and the engine refuses any command that would open a task no one holds the role for.

Shown on an invented organisation (tests/workflows/invented_org.py), so that nothing rests on the
reference chart's names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.errors import InvalidTaskData, NoOneToDoTask
from engine.models import AuditEvent, ProcessInstance, TaskRow
from tests.workflows import invented_org as org
from tests.workflows.lifecycle_helpers import CheckedRehearsal, rehearsal, session_of
from web.core.composition import Runtime
from workflows.orgchart.models import User
from workflows.registers.models import OutgoingDocument


@pytest.fixture
def invented(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with org.invented_runtime(tmp_path, clock) as runtime:
        yield runtime


@pytest.fixture
def registered(invented: Runtime, clock: ManualClock) -> CheckedRehearsal:
    """The letter registered on Monday 6 March 2023; the director's instruction waits."""
    r = rehearsal(invented, clock)
    r.start("directive_lifecycle", org.CLERK)
    r.do(org.CLERK, "register_incoming", org.LETTER)
    return r


def _snapshot(runtime: Runtime) -> tuple[Any, ...]:
    """What a refused command must leave as it was: every task's state, every instance, the audit, the register."""
    with session_of(runtime) as session:
        tasks = sorted((t.id, t.state, t.version) for t in session.scalars(select(TaskRow)))
        instances = sorted((i.id, i.version, i.status) for i in session.scalars(select(ProcessInstance)))
        audit = session.scalar(select(func.count()).select_from(AuditEvent))
        issued = session.scalar(select(func.count()).select_from(OutgoingDocument))
        return tasks, instances, audit, issued


def _leaves(runtime: Runtime, username: str) -> None:
    """The person leaves the agency: the administrator marks them inactive."""
    with session_of(runtime) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.active = False


@pytest.mark.parametrize(
    ("division", "message"),
    [
        (
            org.NO_SPECIALIST,
            "Phòng Thủy lợi chưa có chuyên viên để giao việc: chọn đơn vị khác, "
            "hoặc đề nghị quản trị viên bổ sung chuyên viên cho đơn vị.",
        ),
        (
            org.NO_HEAD,
            "Phòng Chăn nuôi chưa có trưởng phòng để giao việc: chọn đơn vị khác, "
            "hoặc đề nghị quản trị viên bổ sung trưởng phòng cho đơn vị.",
        ),
    ],
    ids=["no-specialist", "no-head"],
)
def test_the_director_cannot_give_the_work_to_a_division_without_the_people_to_do_it(
    invented: Runtime, registered: CheckedRehearsal, division: str, message: str
) -> None:
    """The refusal names the field and the division; nothing is stored; a staffed division is accepted."""
    before = _snapshot(invented)
    with pytest.raises(InvalidTaskData) as refused:
        registered.do(org.DIRECTOR, "instruct", {**org.INSTRUCTION, "lead_division": division})
    [error] = refused.value.errors
    assert (error.field, error.label_vi, error.code, error.message_vi) == (
        "lead_division",
        "Đơn vị chủ trì",
        "no_one_to_do",
        message,
    )
    assert error.label_en == "Lead division" and "has no" in error.message_en
    assert _snapshot(invented) == before
    registered.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    [task] = registered.pending("draft")
    assert (task.role, task.candidate_unit, task.assignee) == ("specialist", org.STAFFED, None)


def test_a_specialist_who_has_left_does_not_count(invented: Runtime, registered: CheckedRehearsal) -> None:
    """The only specialist of the division is inactive: the division has no one to draft."""
    _leaves(invented, org.SPECIALIST)
    with pytest.raises(InvalidTaskData) as refused:
        registered.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    assert [(e.field, e.code) for e in refused.value.errors] == [("lead_division", "no_one_to_do")]
    assert "Phòng Trồng trọt chưa có chuyên viên" in refused.value.errors[0].message_vi


def test_the_engine_refuses_a_step_that_would_reach_no_one(invented: Runtime, registered: CheckedRehearsal) -> None:
    """The specialist leaves after drafting; the head's return would give the redraft to nobody: refused whole."""
    registered.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    registered.do(org.SPECIALIST, "draft", org.draft(org.DISTRICT_OFFICES))
    _leaves(invented, org.SPECIALIST)
    before = _snapshot(invented)
    with pytest.raises(NoOneToDoTask) as refused:
        registered.do(org.HEAD, "review_content", {"decision": "return", "comment": "Bổ sung nội dung."})
    assert (refused.value.spec_name, refused.value.role, refused.value.unit) == ("draft", "specialist", org.STAFFED)
    assert _snapshot(invented) == before
    assert len(registered.pending("review_content")) == 1


def test_the_engine_refuses_to_issue_to_a_unit_with_no_officer(invented: Runtime, registered: CheckedRehearsal) -> None:
    """Issuing to the Sở's units, one of which has no officer, would open an acknowledgement no one sees:
    the issue is refused and no number is used; issued to the districts' offices it goes through."""
    registered.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    registered.do(org.SPECIALIST, "draft", org.draft(org.SUBORDINATE_UNITS))
    registered.do(org.HEAD, "review_content", {"decision": "approve", "comment": ""})
    registered.do(org.DEPUTY, "sign", {"decision": "sign", "comment": ""})
    before = _snapshot(invented)
    with pytest.raises(NoOneToDoTask) as refused:
        registered.do(org.CLERK, "issue", {"issue_note": ""})
    assert (refused.value.spec_name, refused.value.role, refused.value.unit) == (
        "acknowledge",
        "unit_officer",
        org.WITHOUT_OFFICER,
    )
    assert _snapshot(invented) == before

    # A letter sent only to the districts' offices, all staffed, is issued.
    again = rehearsal(invented, registered.clock)
    again.start("directive_lifecycle", org.CLERK)
    again.do(org.CLERK, "register_incoming", {**org.LETTER, "incoming_number": "89/UBND-KT"})
    again.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    again.do(org.SPECIALIST, "draft", org.draft(org.DISTRICT_OFFICES))
    again.do(org.HEAD, "review_content", {"decision": "approve", "comment": ""})
    again.do(org.DEPUTY, "sign", {"decision": "sign", "comment": ""})
    again.do(org.CLERK, "issue", {"issue_note": ""})
    [acknowledge] = again.pending("acknowledge")
    assert acknowledge.candidate_unit == org.DISTRICT_OFFICE
