"""Reminder rounds (đôn đốc lần 2, lần 3): one letter, reviewed, signed and numbered, moves the late units' deadlines.

The reference directive goes to every recipient unit; six report on time, the others do not and
four of those never acknowledge. On Monday 27/03/2023, the first working day after the deadline,
the late units are chased. The clock is moved, never waited for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from engine.worker import run_due_jobs
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.lifecycle_helpers import (
    LateUnits,
    instance_data,
    issued_with_late_units,
    notifications,
    officer_of,
    rehearsal,
    session_of,
)
from tests.workflows.round_helpers import (
    CALENDAR,
    LOCAL,
    People,
    due_day,
    late_now,
    pending_timers,
    ready_unit_tasks,
    round_row,
    start,
    take_through,
    tracking_rows,
)
from web.core.composition import Runtime, build_services, engine_transactions
from workflows.directive import reference_case as case
from workflows.directive import reminder_rounds as rounds
from workflows.directive import scenario
from workflows.directive.round_letter import round_document, unit_names
from workflows.registers.models import OutgoingDocument

REFERENCE = People(scenario.SPECIALIST, scenario.HEAD, scenario.SIGNER, scenario.CLERK)
NEW_DEADLINE = date(2023, 4, 3)  # five working days after Monday 27/03/2023


def _issued(runtime: Runtime, clock: ManualClock) -> LateUnits:
    issued = issued_with_late_units(runtime, clock)
    # The old deadline passes: reminders and escalations of the old deadline fire.
    issued.r.at("2023-03-27 08:00")
    issued.r.tick()
    return issued


def _messages(runtime: Runtime, case_id: int, kind: str) -> list[tuple[str, str]]:
    return [(n.recipient, n.body) for n in notifications(runtime, case_id) if n.kind == kind]


def test_a_round_chosen_from_the_late_list_moves_exactly_those_units(runtime: Runtime, clock: ManualClock) -> None:
    issued = _issued(runtime, clock)
    assert late_now(runtime, issued.case_id, "2023-03-27") == issued.late
    # The supervisor leaves one late unit out of this round.
    chosen, left_out = issued.late[:-1], issued.late[-1]
    round_id = start(runtime, issued.case_id, chosen, 5, scenario.SPECIALIST, "2023-03-27")
    row = round_row(runtime, round_id)
    assert (row.number, row.units, row.deadline, row.status) == (2, chosen, NEW_DEADLINE, rounds.DRAFTING)
    # Nothing moves before the letter is issued.
    assert tracking_rows(runtime, issued.case_id)[chosen[0]].reminders == 0

    drafted = take_through(issued.r, REFERENCE)
    row = round_row(runtime, round_id)
    assert row.status == rounds.ISSUED and row.notation and row.issued_on == date(2023, 3, 27)

    rows = tracking_rows(runtime, issued.case_id)
    for unit in chosen:
        assert (rows[unit].deadline, rows[unit].reminders) == (NEW_DEADLINE, 1), unit
        assert rows[unit].original_deadline == date(2023, 3, 24)
    for unit in set(issued.silent) & set(chosen):
        assert rows[unit].acknowledge_by == date(2023, 3, 28), unit
    assert (rows[left_out].deadline, rows[left_out].reminders) == (date(2023, 3, 24), 0)
    assert all(rows[unit].reminders == 0 for unit in issued.units if unit not in chosen)

    # The units' own tasks follow: the report is due on the new day, an unacknowledged unit owes that tomorrow.
    waiting = ready_unit_tasks(runtime, issued.case_id)
    for unit in chosen:
        task = waiting[unit]
        expected = date(2023, 3, 28) if unit in issued.silent else NEW_DEADLINE
        assert (task.spec_name, due_day(task.due_at)) == (
            "acknowledge" if unit in issued.silent else "report",
            expected,
        ), unit
        assert instance_data(runtime, task.instance_id)["report_deadline"] == NEW_DEADLINE.isoformat()
    assert (due_day(waiting[left_out].due_at) or date.max) < date(2023, 3, 27)  # left as it was

    # Exactly the chosen units are told, naming the directive, the round and the new deadline.
    told = _messages(runtime, issued.case_id, rounds.MESSAGE)
    assert sorted(unit for unit, _ in told) == sorted(chosen)
    directive = issued.r.data()["directive"]["notation"]
    assert all(directive in body and "03/04/2023" in body and "lần 2" in body for _, body in told)

    # The letter: ND30 subject, the original directive cited by number and date, exactly the chosen units.
    assert drafted["letter_subject"] == f"đôn đốc {case.SUBJECT[0].lower()}{case.SUBJECT[1:]} (lần 2)"
    round_data = instance_data(runtime, row.instance_id or 0)
    with session_of(runtime) as session:
        issued_letter = session.scalar(select(OutgoingDocument).where(OutgoingDocument.notation == row.notation))
        assert issued_letter is not None and issued_letter.subject == drafted["letter_subject"]
        document = round_document(session, round_data, issued_letter)
        names = unit_names(session, chosen)
        case_row = session.get(ProcessInstance, issued.case_id)
        assert case_row is not None and case_row.business_key == directive  # the case keeps its number
    assert document.subject_line.startswith("V/v đôn đốc ") and document.subject_line.endswith("(lần 2)")
    assert document.number_line == f"Số: {row.notation}"
    assert [line.strip("-;. ") for line in document.kinh_gui[1:]] == names
    text = "\n".join(document.paragraphs)
    assert f"Ngày 09/03/2023, Sở Văn hóa, Thể thao và Du lịch ban hành Công văn số {directive} về việc" in text
    assert "trước ngày 03/04/2023" in text


def test_a_fresh_runtime_fires_the_moved_timers_at_the_new_deadline(runtime: Runtime, clock: ManualClock) -> None:
    issued = _issued(runtime, clock)
    reporting = [unit for unit in issued.late if unit not in issued.silent]
    start(runtime, issued.case_id, issued.late, 5, scenario.HEAD, "2023-03-27")
    take_through(issued.r, REFERENCE)
    child = ready_unit_tasks(runtime, issued.case_id)[reporting[0]].instance_id
    due = pending_timers(runtime, child)
    assert due == [
        datetime(2023, 3, 30, 8, 0, tzinfo=LOCAL),  # reminder, two working days before 03/04
        datetime(2023, 4, 4, 0, 0, tzinfo=LOCAL),  # escalation, the first moment after 03/04
    ]

    def worker_at(moment: datetime) -> None:
        clock.set(moment)
        # A newly started worker: services built afresh, every child loaded from the database.
        report = run_due_jobs(runtime.sessions, build_services(runtime.settings, clock))
        assert not report.failed, report.failed

    worker_at(datetime(2023, 3, 30, 7, 59, tzinfo=LOCAL))
    assert not [b for _, b in _messages(runtime, issued.case_id, "reminder") if "03/04/2023" in b]
    worker_at(datetime(2023, 3, 30, 8, 1, tzinfo=LOCAL))
    reminded = {u for u, b in _messages(runtime, issued.case_id, "reminder") if "03/04/2023" in b}
    assert reminded == set(issued.late)
    worker_at(datetime(2023, 4, 3, 23, 59, tzinfo=LOCAL))
    late_escalations = [b for _, b in _messages(runtime, issued.case_id, "escalation") if "03/04/2023" in b]
    assert late_escalations == []
    worker_at(datetime(2023, 4, 4, 0, 1, tzinfo=LOCAL))
    assert [b for _, b in _messages(runtime, issued.case_id, "escalation") if "03/04/2023" in b]


def test_a_second_round_reaches_those_still_late_and_is_numbered_three(runtime: Runtime, clock: ManualClock) -> None:
    issued = _issued(runtime, clock)
    chosen = issued.late[:-1]
    first = start(runtime, issued.case_id, chosen, 5, scenario.SPECIALIST, "2023-03-27")
    take_through(issued.r, REFERENCE)
    # Three of the chased units report by the new deadline; the others stay late.
    officer = officer_of(runtime)
    reporters = [unit for unit in chosen if unit not in issued.silent][:3]
    issued.r.at("2023-04-03 10:00")
    for index, unit in enumerate(reporters):
        issued.r.do(officer(unit), "report", case.unit_report(index, "2023-04-03"), unit=unit)

    still_late = late_now(runtime, issued.case_id, "2023-04-04")
    assert still_late == [unit for unit in issued.late if unit not in reporters]
    issued.r.at("2023-04-04 09:00")
    second = start(runtime, issued.case_id, still_late, 3, scenario.SPECIALIST, "2023-04-04")
    drafted = take_through(issued.r, REFERENCE, "2023-04-04")
    assert round_row(runtime, first).number == 2
    row = round_row(runtime, second)
    assert (row.number, row.deadline) == (3, date(2023, 4, 7))
    assert str(drafted["letter_subject"]).endswith("(lần 3)")
    rows = tracking_rows(runtime, issued.case_id)
    assert {unit for unit in issued.units if rows[unit].deadline == date(2023, 4, 7)} == set(still_late)
    assert {unit: rows[unit].reminders for unit in still_late} == {
        unit: 2 if unit in chosen else 1 for unit in still_late
    }
    third_told = [u for u, b in _messages(runtime, issued.case_id, rounds.MESSAGE) if "lần 3" in b]
    assert sorted(third_told) == sorted(still_late)


def test_units_that_are_not_open_are_refused_and_nothing_is_stored(runtime: Runtime, clock: ManualClock) -> None:
    issued = _issued(runtime, clock)
    on_time = [unit for unit in issued.units if unit not in issued.late]
    with pytest.raises(rounds.RoundRefused) as refused:
        start(runtime, issued.case_id, [issued.late[0], on_time[0], "NO_SUCH_UNIT"], 5, scenario.HEAD, "2023-03-27")
    assert (refused.value.field, refused.value.units) == ("units", [on_time[0], "NO_SUCH_UNIT"])
    for days in (0, 61):
        with pytest.raises(rounds.RoundRefused) as refused:
            start(runtime, issued.case_id, issued.late, days, scenario.HEAD, "2023-03-27")
        assert refused.value.field == "working_days"
    with session_of(runtime) as session:
        assert rounds.rounds_of(session, issued.case_id) == []
        assert session.scalar(select(ProcessInstance).where(ProcessInstance.process_key == rounds.PROCESS)) is None


def test_a_deadline_across_tet_lands_on_the_fifth_working_day_after_it() -> None:
    # Monday 05/02/2024 + 5 working days: 06, 07, then Tết (08–14/02/2024), 15, 16 and Monday 19.
    assert rounds.new_deadline(CALENDAR, date(2024, 2, 5), 5) == date(2024, 2, 19)
    assert all(not CALENDAR.is_working_day(date(2024, 2, 8) + timedelta(days=i)) for i in range(7))


def test_the_district_chases_its_late_units_with_its_own_names(tmp_path: Path, clock: ManualClock) -> None:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        r = rehearsal(runtime, clock)
        units = district.run_to_issue(r)
        officer = officer_of(runtime)
        r.at("2023-03-09 09:00")
        r.do(officer(units[0]), "acknowledge", {"acknowledge_note": ""}, unit=units[0])
        r.do(officer(units[0]), "report", district.unit_report(0, "2023-03-09"), unit=units[0])
        r.at("2023-03-27 08:00")
        r.tick()
        case_id = r.case_id or 0
        late = late_now(runtime, case_id, "2023-03-27")
        assert late == units[1:]
        start(runtime, case_id, late, 5, district.SPECIALIST, "2023-03-27")
        people = People(district.SPECIALIST, district.HEAD, district.DEPUTY, district.CLERK)
        drafted = take_through(r, people)
        rows = tracking_rows(runtime, case_id)
        assert {unit for unit in units if rows[unit].deadline == NEW_DEADLINE} == set(late)
        assert sorted(u for u, _ in _messages(runtime, case_id, rounds.MESSAGE)) == sorted(late)
        with session_of(runtime) as session:
            row = rounds.rounds_of(session, case_id)[0]
        round_data = instance_data(runtime, row.instance_id or 0)
        with session_of(runtime) as session:
            letter = session.scalar(select(OutgoingDocument).where(OutgoingDocument.notation == row.notation))
            document = round_document(session, round_data, letter)
        assert row.notation is not None and district.NOTATION in row.notation
        printed = "\n".join(document.lines())
        assert district.HEADER in printed and "(lần 2)" in printed
        assert str(drafted["letter_body"]).startswith("Ngày 08/03/2023, ")
        assert not [name for name in district.REFERENCE_NAMES if name in printed]


def test_cancelling_the_directive_stops_a_round_still_in_drafting(runtime: Runtime, clock: ManualClock) -> None:
    issued = _issued(runtime, clock)
    round_id = start(runtime, issued.case_id, issued.late, 5, scenario.HEAD, "2023-03-27")
    assert len(issued.r.pending("draft_round")) == 1
    with engine_transactions(runtime)() as engine:
        engine.cancel(issued.case_id, scenario.DIRECTOR, "Cấp trên thu hồi văn bản gốc.")
    row = round_row(runtime, round_id)
    with session_of(runtime) as session:
        round_instance = session.get(ProcessInstance, row.instance_id)
        assert round_instance is not None and round_instance.status == "cancelled"
    assert issued.r.pending("draft_round") == []
