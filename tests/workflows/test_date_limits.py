"""Dates a person can type but the system cannot hold, and deadlines on days offices do not work.

Every such date is refused at its field, in Vietnamese and English, and nothing is stored; the
calendar itself refuses a day it does not know instead of overflowing or guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.errors import InvalidTaskData
from engine.models import AuditEvent, ProcessInstance, TaskRow
from tests.workflows.lifecycle_helpers import CheckedRehearsal, officer_of, rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.calendar import (
    FIRST_DAY,
    LAST_DAY,
    OutsideCalendar,
    WorkingCalendar,
    escalation_time,
    reminder_time,
)
from workflows.directive import reference_case as case
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST
from workflows.forms import FormInvalid, FormRegistry, FormSchema
from workflows.forms.base import Day
from workflows.registers.models import IncomingDocument

# --- the calendar -------------------------------------------------------------------------------

CALENDAR = WorkingCalendar()

OUTSIDE: list[tuple[str, Callable[[], object]]] = [
    ("working day in 9999", lambda: CALENDAR.is_working_day(date(9999, 12, 31))),
    ("working day in year 1", lambda: CALENDAR.is_working_day(date(1, 1, 1))),
    ("day after the last date", lambda: CALENDAR.next_working_day(date.max)),
    ("day before the first date", lambda: CALENDAR.previous_working_day(date.min)),
    ("5 working days after 30/12/9999", lambda: CALENDAR.add_working_days(date(9999, 12, 30), 5)),
    ("1 working day after the calendar's end", lambda: CALENDAR.add_working_days(LAST_DAY, 1)),
    ("count from year 1", lambda: CALENDAR.working_days_between(date(1, 1, 1), date(2023, 3, 6))),
    ("reminder before 31/12/9999", lambda: reminder_time(date(9999, 12, 31), CALENDAR)),
    ("escalation after 31/12/9999", lambda: escalation_time(date.max)),
]


@pytest.mark.parametrize("compute", [c for _, c in OUTSIDE], ids=[name for name, _ in OUTSIDE])
def test_the_calendar_refuses_a_day_it_does_not_know(compute: Callable[[], object]) -> None:
    """Outside 1901–2100 the holidays are unknown: a clear refusal, never OverflowError or a guess."""
    with pytest.raises(OutsideCalendar) as refused:
        compute()
    assert isinstance(refused.value, ValueError)


def test_the_calendar_works_up_to_its_last_day() -> None:
    """The last day of 2100 is a Friday: reachable, and a deadline on it can be reminded and escalated."""
    assert CALENDAR.next_working_day(date(2100, 12, 30)) == LAST_DAY
    assert reminder_time(LAST_DAY, CALENDAR).date() == date(2100, 12, 29)
    assert escalation_time(LAST_DAY).date() == date(2101, 1, 1)
    assert CALENDAR.is_working_day(date(1901, 1, 2)) and not CALENDAR.is_working_day(FIRST_DAY)


# --- the date field -----------------------------------------------------------------------------


class _Dated(FormSchema):
    day = Day("Ngày", "Day", required=True)


@pytest.fixture
def dated() -> FormRegistry:
    registry = FormRegistry()
    registry.register("dated", _Dated)
    return registry


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "1900-12-31", "2101-01-01", date(9999, 12, 31)])
def test_a_date_outside_the_calendar_is_refused_with_the_range(dated: FormRegistry, typed: object) -> None:
    with pytest.raises(FormInvalid) as refused:
        dated.validate("dated", {"day": typed})
    [error] = refused.value.errors
    assert (error.field, error.code) == ("day", "date_out_of_range")
    assert "từ 01/01/1901 đến 31/12/2100" in error.message_vi
    assert "between 01/01/1901 and 31/12/2100" in error.message_en


@pytest.mark.parametrize("typed", ["1901-01-01", "2100-12-31"])
def test_the_first_and_last_day_of_the_calendar_are_accepted(dated: FormRegistry, typed: str) -> None:
    assert dated.validate("dated", {"day": typed}) == {"day": typed}


# --- the steps of a case ------------------------------------------------------------------------


def _snapshot(runtime: Runtime, task_id: str) -> tuple[Any, ...]:
    with session_of(runtime) as session:
        task = session.get(TaskRow, task_id)
        assert task is not None
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance is not None

        def count(model: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return (task.state, task.version, instance.version, count(AuditEvent), count(IncomingDocument))


def _refused(
    runtime: Runtime, r: CheckedRehearsal, actor: str, step: str, data: dict[str, Any], unit: str | None = None
) -> dict[str, tuple[str, str, str]]:
    """Submit the data; insist it is refused with nothing stored; (code, Vietnamese, English) by field."""
    [task] = r.pending(step, unit)
    before = _snapshot(runtime, task.id)
    with pytest.raises(InvalidTaskData) as refused:
        r.do(actor, step, data, unit=unit)
    assert _snapshot(runtime, task.id) == before
    return {e.field: (e.code, e.message_vi, e.message_en) for e in refused.value.errors}


@pytest.fixture
def registered(runtime: Runtime, clock: ManualClock) -> CheckedRehearsal:
    """The reference letter registered on Monday 6 March 2023; the director's instruction waits."""
    r = rehearsal(runtime, clock)
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", case.INCOMING)
    return r


def test_a_letter_dated_in_year_one_is_refused(runtime: Runtime, clock: ManualClock) -> None:
    """Year 1 as the letter's date and the day it arrived: both fields named, no arrival number used."""
    r = rehearsal(runtime, clock)
    r.start("directive_lifecycle", CLERK)
    typed = {**case.INCOMING, "incoming_date": "0001-01-01", "incoming_received_date": "0001-01-01"}
    errors = _refused(runtime, r, CLERK, "register_incoming", typed)
    assert {field: code for field, (code, _, _) in errors.items()} == {
        "incoming_date": "date_out_of_range",
        "incoming_received_date": "date_out_of_range",
    }


@pytest.mark.parametrize("deadline", ["9999-12-31", "9999-12-30", "2101-01-03", "0001-01-01"])
def test_a_handling_deadline_the_calendar_cannot_hold_is_refused(
    runtime: Runtime, registered: CheckedRehearsal, deadline: str
) -> None:
    """31/12/9999 used to end in an OverflowError while the task's due time was computed."""
    errors = _refused(runtime, registered, DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": deadline})
    assert errors["handling_deadline"][0] == "date_out_of_range"
    assert set(errors) == {"handling_deadline"}


@pytest.mark.parametrize(
    ("deadline", "vietnamese", "english"),
    [
        (
            "2023-03-12",
            "Ngày 12/03/2023 là ngày nghỉ (Chủ nhật): chọn một ngày làm việc, ví dụ Thứ Hai 13/03/2023.",
            "12/03/2023 is not a working day (Sunday): choose a working day, e.g. Monday 13/03/2023.",
        ),
        (
            # Hùng Kings' day and 30/4 fell on a weekend in 2023: Tuesday 2 and Wednesday 3 May were off.
            "2023-05-02",
            "Ngày 02/05/2023 là ngày nghỉ (ngày nghỉ lễ, nghỉ bù): chọn một ngày làm việc, ví dụ Thứ Năm 04/05/2023.",
            "02/05/2023 is not a working day (a public or compensatory holiday): choose a working day, "
            "e.g. Thursday 04/05/2023.",
        ),
    ],
    ids=["sunday", "holiday"],
)
def test_a_handling_deadline_on_a_day_off_is_refused_with_the_next_working_day(
    runtime: Runtime, registered: CheckedRehearsal, deadline: str, vietnamese: str, english: str
) -> None:
    """A Sunday deadline used to be accepted silently; the director is told which working day follows."""
    errors = _refused(runtime, registered, DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": deadline})
    assert errors == {"handling_deadline": ("deadline_day_off", vietnamese, english)}
    registered.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": "2023-03-13"})
    assert [t.spec_name for t in registered.pending()] == ["draft"]


@pytest.mark.parametrize(
    ("deadline", "code"),
    [("2023-03-25", "deadline_day_off"), ("9999-12-31", "date_out_of_range"), ("2023-03-03", "deadline_past")],
)
def test_a_report_deadline_the_units_could_not_meet_is_refused(
    runtime: Runtime, registered: CheckedRehearsal, deadline: str, code: str
) -> None:
    """The draft's report deadline: not a Saturday, not 9999 (the units' escalation would overflow), not past."""
    registered.do(DIRECTOR, "instruct", case.INSTRUCTION)
    errors = _refused(runtime, registered, SPECIALIST, "draft", {**case.draft(), "report_deadline": deadline})
    assert {field: c for field, (c, _, _) in errors.items()} == {"report_deadline": code}


@pytest.mark.parametrize(
    ("resubmit_by", "code"),
    [("2023-03-19", "deadline_day_off"), ("9999-12-30", "date_out_of_range"), ("2023-03-14", "resubmit_by_past")],
)
def test_a_resubmission_date_on_a_day_off_or_beyond_the_calendar_is_refused(
    runtime: Runtime, clock: ManualClock, resubmit_by: str, code: str
) -> None:
    """Asking a unit for more by Sunday 19/03/2023, or by 30/12/9999, is refused at "Hạn nộp lại"."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    unit, officer = units[0], officer_of(runtime)(units[0])
    r.do(officer, "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-15 10:00")
    r.do(officer, "report", case.unit_report(0, "2023-03-15"), unit=unit)
    more = {"decision": "more", "comment": "Bổ sung số liệu.", "resubmit_by": resubmit_by}
    errors = _refused(runtime, r, SPECIALIST, "review_report", more, unit)
    assert {field: c for field, (c, _, _) in errors.items()} == {"resubmit_by": code}
    r.do(SPECIALIST, "review_report", {**more, "resubmit_by": "2023-03-20"}, unit=unit)
    assert len(r.pending("report", unit)) == 1


def test_a_draft_whose_report_deadline_has_passed_cannot_go_forward(
    runtime: Runtime, registered: CheckedRehearsal
) -> None:
    """Drafted on 07/03 with reports due 10/03, approved only on 13/03: the letter would be dated after its own
    deadline. Approval and signature are refused at the decision, naming the report deadline; a return is not."""
    registered.do(DIRECTOR, "instruct", case.INSTRUCTION)
    registered.at("2023-03-07 09:00")
    registered.do(SPECIALIST, "draft", {**case.draft(), "report_deadline": "2023-03-10"})
    registered.at("2023-03-13 08:00")
    errors = _refused(runtime, registered, HEAD, "review_content", {"decision": "approve", "comment": ""})
    assert errors == {
        "decision": (
            "draft_deadline_passed",
            "Hạn báo cáo trong dự thảo (10/03/2023) đã trước ngày hôm nay (13/03/2023), tức trước ngày của "
            "công văn: trả lại dự thảo để sửa hạn báo cáo.",
            "The draft's report deadline (10/03/2023) is before today (13/03/2023), so before the date the letter "
            "will bear: return the draft for the report deadline to be changed.",
        )
    }
    registered.do(HEAD, "review_content", {"decision": "return", "comment": "Sửa hạn báo cáo."})
    registered.do(SPECIALIST, "draft", case.draft())
    registered.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    registered.at("2023-03-27 08:00")  # the signer comes back after the new deadline, 24/03
    errors = _refused(runtime, registered, SIGNER, "sign", {"decision": "sign", "comment": ""})
    assert [(field, code) for field, (code, _, _) in errors.items()] == [("decision", "draft_deadline_passed")]
    registered.do(SIGNER, "sign", {"decision": "return", "comment": "Hạn báo cáo đã qua."})
    assert [t.spec_name for t in registered.pending()] == ["draft"]
