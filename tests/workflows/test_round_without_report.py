"""A reminder round for a directive that asks no report: the units that never acknowledged are chased.

The directive (issued Wednesday 10/05/2023) asks its units only to acknowledge it by the next
working day; three never do. On Friday 12/05 they are late; a round (lần 2) asks them to
acknowledge by Friday 19/05, in words that ask no report. A directive whose follow-up ends on a
set day is not chased: its units' part closes on that day. The clock is moved, never waited for.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.clock import ManualClock
from tests.workflows import directive_kinds as kind
from tests.workflows.lifecycle_helpers import instance, notifications, officer_of, rehearsal, session_of, tasks
from tests.workflows.round_helpers import CALENDAR, People, due_day, late_now, start, take_through, tracking_rows
from web.core.composition import Runtime
from workflows.directive import reminder_rounds as rounds
from workflows.directive import scenario
from workflows.supervision.board import ACKNOWLEDGE, BoardFilter, board
from workflows.supervision.scope import Scope

PEOPLE = People(scenario.SPECIALIST, scenario.HEAD, scenario.SIGNER, scenario.CLERK)
SILENT = 3


def _late_on_board(runtime: Runtime, today: str) -> set[str]:
    with session_of(runtime) as session:
        found = board(session, Scope(whole_agency=True), BoardFilter(per_page=500), date.fromisoformat(today), CALENDAR)
    return {item.unit_code or "" for item in found.items if item.late and item.step == ACKNOWLEDGE}


def test_units_that_never_acknowledged_are_chased_to_acknowledge(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    units = kind.approve_sign_issue(r, kind.draft(report_required="no", report_deadline=None))
    officer = officer_of(runtime)
    r.at("2023-05-10 14:00")
    for unit in units[:-SILENT]:
        r.do(officer(unit), "acknowledge_receipt", {"acknowledge_note": ""}, unit=unit)
    silent = units[-SILENT:]
    case_id = r.case_id or 0
    assert late_now(runtime, case_id, "2023-05-11") == []  # due by the end of Thursday
    assert late_now(runtime, case_id, "2023-05-12") == silent
    assert _late_on_board(runtime, "2023-05-12") == set(silent)

    r.at("2023-05-12 09:00")
    start(runtime, case_id, silent, 5, scenario.SPECIALIST, "2023-05-12")
    drafted = take_through(r, PEOPLE, "2023-05-12")
    body = str(drafted["letter_body"])
    assert "chưa tiếp nhận công văn" in body and "trước ngày 19/05/2023" in body
    assert "báo cáo" not in body  # it asks for no report the directive never asked for
    rows = tracking_rows(runtime, case_id)
    assert {unit: (rows[unit].acknowledge_by, rows[unit].deadline, rows[unit].reminders) for unit in silent} == {
        unit: (date(2023, 5, 19), None, 1) for unit in silent
    }
    told = [n for n in notifications(runtime, case_id) if n.kind == rounds.MESSAGE]
    assert sorted(n.recipient for n in told) == sorted(silent)
    assert all("xác nhận đã tiếp nhận trước ngày 19/05/2023" in n.body for n in told)
    # The units' tasks are offered again, due on the new day; nobody is late until it passes.
    ready = {
        unit: [t for t in tasks(runtime, case_id, "acknowledge_receipt", unit) if t.state == "ready"] for unit in silent
    }
    due = {unit: [due_day(t.due_at) for t in found] for unit, found in ready.items()}
    assert due == {unit: [date(2023, 5, 19)] for unit in silent}
    assert _late_on_board(runtime, "2023-05-19") == set()
    assert _late_on_board(runtime, "2023-05-22") == set(silent)

    # They acknowledge; the directive closes as one without a report does.
    r.at("2023-05-15 10:00")
    for unit in silent:
        r.do(officer(unit), "acknowledge_receipt", {"acknowledge_note": "Đã nhận."}, unit=unit)
    r.tick()
    assert instance(runtime, case_id).status == "completed"
    assert r.data()["acknowledged_units"] == units


def test_units_whose_follow_up_ends_on_a_set_day_are_not_chased(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    units = kind.approve_sign_issue(r, kind.draft(report_required="no", close_by="2023-05-19"))
    case_id = r.case_id or 0
    assert late_now(runtime, case_id, "2023-05-22") == []
    with pytest.raises(rounds.RoundRefused) as refused:
        start(runtime, case_id, units[:1], 5, scenario.SPECIALIST, "2023-05-12")
    assert (refused.value.field, refused.value.units) == ("units", units[:1])
