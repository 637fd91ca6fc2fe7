"""Pictures for supervisors: work waiting at each step of a process, and the units' on-time rates.

The reference directive goes to every recipient unit; on 10/3 all but four acknowledge, on 15/3 six
report; the deadline is 24/3. A second letter arrives on 27/3 and waits for the director. The
clock is moved, never waited for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.lifecycle_helpers import (
    ON_TIME,
    SILENT,
    child_of,
    issued_with_late_units,
    officer_of,
    rehearsal,
    session_of,
)
from web.core.composition import Runtime
from workflows.calendar import WorkingCalendar
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.supervision.scope import Scope
from workflows.supervision.statistics import (
    ACKNOWLEDGE,
    REPORT,
    OnTimeCount,
    OnTimeFilter,
    ProcessLoad,
    UnitsOwing,
    latest_definition,
    latest_definitions,
    on_time_by_month,
    on_time_by_unit,
    process_load,
)

WHOLE = Scope(whole_agency=True)
CALENDAR = WorkingCalendar()
# 27/3/2023 10:00 in Vietnam.
MONDAY_27 = datetime(2023, 3, 27, 3, 0, tzinfo=UTC)
MARCH = OnTimeFilter(date(2023, 1, 1), date(2023, 4, 1))
LEAD = str(case.INSTRUCTION["lead_division"])


def _second_letter(runtime: Runtime, clock: ManualClock) -> None:
    """A second letter registered at 08:00 on 27/3: it waits for the director's instruction."""
    second = rehearsal(runtime, clock)
    second.at("2023-03-27 08:00")
    second.start("directive_lifecycle", scenario.CLERK)
    second.do(scenario.CLERK, "register_incoming", case.INCOMING)


def _load(runtime: Runtime, key: str, scope: Scope = WHOLE, now: datetime = MONDAY_27) -> ProcessLoad:
    with session_of(runtime) as session:
        return process_load(session, key, scope, now, CALENDAR)


def _by_step(load: ProcessLoad) -> dict[str, Any]:
    return {step.step: step for step in load.steps}


def test_each_step_shows_how_many_tasks_wait_there_and_for_how_long(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    _second_letter(runtime, clock)

    lifecycle = _by_step(_load(runtime, "directive_lifecycle"))
    # The directive itself waits for its units (a call activity, not a task); the new letter for the director.
    assert set(lifecycle) == {"instruct"}
    assert lifecycle["instruct"].waiting == 1
    assert lifecycle["instruct"].average_hours == pytest.approx(2.0)
    assert lifecycle["instruct"].average_working_days == 0

    units = _load(runtime, "unit_execution")
    steps = _by_step(units)
    assert set(steps) == {"acknowledge", "report", "review_report"}
    assert steps["acknowledge"].waiting == SILENT
    # Arrived with the issue, 09/3 08:00: 18 days and 2 hours; 12 working days to Monday 27/3.
    assert steps["acknowledge"].average_hours == pytest.approx(18 * 24 + 2)
    assert steps["acknowledge"].average_working_days == 12
    assert steps["report"].waiting == len(issued.late) - SILENT
    assert steps["report"].average_hours == pytest.approx(17 * 24 + 1)
    assert steps["report"].average_working_days == 11
    # The six reports wait for the lead division's check since 15/3 10:00.
    assert steps["review_report"].waiting == ON_TIME
    assert steps["review_report"].average_working_days == 8
    assert steps["report"].title == "Triển khai và báo cáo"
    assert units.waiting == len(issued.late) + ON_TIME
    # Theo dõi thực hiện: four never acknowledged and the rest did not report; all past their days.
    assert units.units == {
        ACKNOWLEDGE: UnitsOwing(owing=SILENT, late=SILENT),
        REPORT: UnitsOwing(owing=len(issued.late) - SILENT, late=len(issued.late) - SILENT),
    }


def test_the_average_mixes_old_and_new_arrivals(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    late = issued.late[0]
    issued.r.at("2023-03-27 09:00")
    issued.r.do(officer_of(runtime)(late), "report", case.unit_report(9, "2023-03-27"), unit=late)
    review = _by_step(_load(runtime, "unit_execution"))["review_report"]
    # Six since 15/3 10:00 (288 hours) and one since 27/3 09:00 (1 hour): 247 hours on average, so
    # the average arrival was 17/3 03:00, six working days before Monday 27/3.
    assert review.waiting == ON_TIME + 1
    assert review.average_hours == pytest.approx((288 * ON_TIME + 1) / (ON_TIME + 1))
    assert review.average_working_days == 6


def test_each_person_sees_the_steps_of_their_own_scope(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    one_silent = issued.silent[0]
    theirs = _load(runtime, "unit_execution", Scope(units=frozenset({one_silent})))
    assert {step.step: step.waiting for step in theirs.steps} == {"acknowledge": 1}
    assert theirs.units[ACKNOWLEDGE] == UnitsOwing(1, 1)
    assert theirs.units[REPORT] == UnitsOwing(0, 0)
    # The lead division's head sees every unit of the directives the division leads.
    lead = _load(runtime, "unit_execution", Scope(divisions=frozenset({LEAD})))
    assert lead.waiting == len(issued.late) + ON_TIME
    other = _load(runtime, "unit_execution", Scope(divisions=frozenset({"NO_SUCH_DIVISION"})))
    assert other.steps == [] and other.units[REPORT] == UnitsOwing(0, 0)


def test_the_latest_version_of_each_process_is_the_one_drawn(runtime: Runtime) -> None:
    with session_of(runtime) as session:
        keys = [definition.key for definition in latest_definitions(session)]
        assert {"directive_lifecycle", "unit_execution"} <= set(keys)
        assert keys == sorted(keys)
        found = latest_definition(session, "unit_execution")
        assert found is not None and 'id="report"' in found.bpmn_xml
        assert latest_definition(session, "no_such_process") is None


def _by_unit(runtime: Runtime, today: str, chosen: OnTimeFilter = MARCH) -> dict[str, OnTimeCount]:
    with session_of(runtime) as session:
        return {c.key: c for c in on_time_by_unit(session, WHOLE, chosen, date.fromisoformat(today))}


def test_on_time_rate_per_unit_counts_reports_by_the_original_deadline(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    # Before the deadline the units that have not reported are neither on time nor late.
    before = _by_unit(runtime, "2023-03-20")
    assert before[issued.on_time[0]].rate == 100.0
    assert before[issued.late[0]] == OnTimeCount(issued.late[0], before[issued.late[0]].label, 0, 0, 1)
    assert before[issued.late[0]].rate is None

    # After it: still owed past the deadline is late; a report that then comes stays late.
    issued.r.at("2023-03-27 09:00")
    issued.r.do(officer_of(runtime)(issued.late[0]), "report", case.unit_report(9, "2023-03-27"), unit=issued.late[0])
    after = _by_unit(runtime, "2023-03-27")
    assert set(after) == set(issued.units)
    assert all(after[unit].on_time == 1 and after[unit].rate == 100.0 for unit in issued.on_time)
    assert all(after[unit].late == 1 and after[unit].rate == 0.0 for unit in issued.late)
    # Best first, and the units are named as the org chart names them.
    ordered = list(after.values())
    assert {c.key for c in ordered[:ON_TIME]} == set(issued.on_time)
    labels = [c.label.casefold() for c in ordered[:ON_TIME]]
    assert labels == sorted(labels)
    assert all(c.label != c.key for c in ordered)


def test_a_unit_stopped_before_reporting_is_not_counted_late(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    stopped = issued.late[1]
    child = child_of(runtime, issued.case_id, stopped)
    with issued.r.transaction() as engine:
        engine.cancel(child.id, scenario.DIRECTOR, "Đơn vị được miễn báo cáo")
    counted = _by_unit(runtime, "2023-03-27")
    assert stopped not in counted
    assert len(counted) == len(issued.units) - 1


def test_on_time_rate_per_month_shows_every_month_of_the_range(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    with session_of(runtime) as session:
        months = on_time_by_month(session, WHOLE, MARCH, date(2023, 3, 27))
        other_division = on_time_by_month(
            session, WHOLE, OnTimeFilter(date(2023, 3, 1), date(2023, 3, 1), division="NO_SUCH"), date(2023, 3, 27)
        )
        only_april = on_time_by_month(
            session, WHOLE, OnTimeFilter(date(2023, 4, 1), date(2023, 4, 1)), date(2023, 3, 27)
        )
        lead_only = on_time_by_month(
            session, WHOLE, OnTimeFilter(date(2023, 3, 1), date(2023, 3, 1), division=LEAD), date(2023, 3, 27)
        )
    assert [m.key for m in months] == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert [m.label for m in months] == ["01/2023", "02/2023", "03/2023", "04/2023"]
    march = months[2]
    assert (march.on_time, march.late, march.pending) == (ON_TIME, len(issued.late), 0)
    assert march.rate == pytest.approx(100.0 * ON_TIME / len(issued.units))
    assert months[0].rate is None and months[0].decided == 0
    assert other_division[0].decided == 0
    assert only_april[0].decided == 0
    assert lead_only[0].on_time == ON_TIME


def test_a_second_organisation_gets_its_own_figures(tmp_path: Path, clock: ManualClock) -> None:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        r = rehearsal(runtime, clock)
        r.at("2023-03-06 08:00")
        r.start("directive_lifecycle", district.CLERK)
        r.do(district.CLERK, "register_incoming", district.LETTER)
        r.at("2023-03-06 09:30")
        r.do(district.CHAIRMAN, "instruct", district.INSTRUCTION)
        r.at("2023-03-07 09:00")
        r.do(district.SPECIALIST, "draft", district.draft())
        r.at("2023-03-07 14:00")
        r.do(district.HEAD, "review_content", {"decision": "approve", "comment": ""})
        r.at("2023-03-08 15:00")
        r.do(district.DEPUTY, "sign", {"decision": "sign", "comment": ""})
        r.at("2023-03-09 08:00")
        r.do(district.CLERK, "issue", {"issue_note": "Phát hành qua hệ thống."})
        units = list(r.data()["recipients"])
        assert sorted(units) == sorted(district.RECIPIENTS)
        officer = officer_of(runtime)
        r.at("2023-03-10 09:00")
        for unit in units:
            r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
        r.at("2023-03-20 10:00")
        r.do(officer(units[0]), "report", district.unit_report(0, "2023-03-20"), unit=units[0])

        load = _by_step(_load(runtime, "unit_execution", Scope(divisions=frozenset({district.LEAD}))))
        assert {step: load[step].waiting for step in load} == {"report": len(units) - 1, "review_report": 1}
        with session_of(runtime) as session:
            counted = {c.key: c for c in on_time_by_unit(session, WHOLE, MARCH, date(2023, 3, 27))}
        assert counted[units[0]].rate == 100.0
        assert all(counted[unit].rate == 0.0 for unit in units[1:])
        names = {unit["code"]: unit["name"] for unit in district.CHART["units"]}
        assert {code: c.label for code, c in counted.items()} == {code: names[code] for code in units}


def _other_process_waiting_at_report(runtime: Runtime, now: datetime) -> None:
    """Another process that names one of its steps "report" too, with one task waiting there."""
    with session_of(runtime) as session:
        definition = ProcessDefinition(
            key="other_process",
            name="Quy trình khác",
            version=1,
            checksum="0" * 64,
            filename="other.bpmn",
            bpmn_xml="<definitions/>",
            metadata_json={"name": "Quy trình khác", "user_tasks": {"report": {"title": "Báo cáo khác"}}},
            deployed_by="quantri",
            deployed_at=now,
        )
        session.add(definition)
        session.flush()
        other = ProcessInstance(
            definition_id=definition.id,
            process_key="other_process",
            status="running",
            state="{}",
            serializer_version="1",
            started_by="quantri",
            started_at=now,
            version=1,
        )
        session.add(other)
        session.flush()
        other.case_id = other.id
        session.add(
            TaskRow(
                id=str(uuid.uuid4()),
                instance_id=other.id,
                case_id=other.id,
                spec_name="report",
                title="Báo cáo khác",
                state="ready",
                priority=0,
                created_at=now,
                version=1,
            )
        )


def test_a_step_id_another_process_uses_too_is_counted_in_its_own_process_only(
    runtime: Runtime, clock: ManualClock
) -> None:
    issued = issued_with_late_units(runtime, clock)
    _other_process_waiting_at_report(runtime, MONDAY_27)
    assert _by_step(_load(runtime, "unit_execution"))["report"].waiting == len(issued.late) - SILENT
    other = _by_step(_load(runtime, "other_process"))
    assert {step: load.waiting for step, load in other.items()} == {"report": 1}
    assert other["report"].title == "Báo cáo khác"
