"""A directive to 30 units where 24 report late, chased twice: the figure supervisors live with.

The invented district sends its directive to 30 units (its communes and schools, grown to 30). Six
report on time; of the 24 others, four never even acknowledge. At the deadline the board and the
directive's unit table name exactly those 24; a reminder round (lần 2) reaches exactly them with a
new deadline; by that deadline ten of them report, and a second round (lần 3) reaches exactly the 14
still late. The clock is moved, never waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from engine.clock import ManualClock
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.lifecycle_helpers import CheckedRehearsal, notifications, officer_of, rehearsal, session_of
from tests.workflows.round_helpers import CALENDAR, People, late_now, start, take_through, tracking_rows
from web.core.composition import Runtime
from workflows.directive import reminder_rounds as rounds
from workflows.supervision.board import ACKNOWLEDGE, REPORT, BoardFilter, board
from workflows.supervision.scope import Scope
from workflows.supervision.unit_table import unit_lines

UNITS, ON_TIME, SILENT = 30, 6, 4
WHOLE = Scope(whole_agency=True)
PEOPLE = People(district.SPECIALIST, district.HEAD, district.DEPUTY, district.CLERK)


@dataclass(frozen=True)
class Directive:
    r: CheckedRehearsal
    runtime: Runtime
    case_id: int
    units: list[str]
    late: list[str]
    silent: list[str]


@pytest.fixture
def directive(tmp_path: Path, clock: ManualClock) -> Iterator[Directive]:
    """Issued on 08/03/2023 to 30 units; the first six report on 15/03, the last four never acknowledge."""
    with invented_runtime(tmp_path, clock, district.chart_with_communes(UNITS)) as runtime:
        r = rehearsal(runtime, clock)
        units = district.run_to_issue(r)
        officer = officer_of(runtime)
        silent = units[-SILENT:]
        r.at("2023-03-10 09:00")
        for unit in units[:-SILENT]:
            r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
        r.at("2023-03-15 10:00")
        for index, unit in enumerate(units[:ON_TIME]):
            r.do(officer(unit), "report", district.unit_report(index, "2023-03-15"), unit=unit)
        yield Directive(r, runtime, r.case_id or 0, units, units[ON_TIME:], silent)


def _late_on_board(runtime: Runtime, today: str) -> set[str]:
    with session_of(runtime) as session:
        found = board(session, WHOLE, BoardFilter(per_page=500), date.fromisoformat(today), CALENDAR)
    return {item.unit_code or "" for item in found.items if item.late and item.step in (ACKNOWLEDGE, REPORT)}


def _late_in_table(runtime: Runtime, case_id: int, today: str) -> set[str]:
    with session_of(runtime) as session:
        lines = unit_lines(session, case_id, date.fromisoformat(today), CALENDAR, WHOLE, late_only=True)
    return {line.unit_code for line in lines}


def _told(runtime: Runtime, case_id: int, round_number: int) -> list[str]:
    found = notifications(runtime, case_id)
    return sorted(n.recipient for n in found if n.kind == rounds.MESSAGE and f"lần {round_number}" in n.body)


def test_twenty_four_late_units_are_listed_and_chased_twice(directive: Directive) -> None:
    runtime, case_id, r = directive.runtime, directive.case_id, directive.r
    assert len(directive.units) == UNITS and len(directive.late) == 24

    # The first working day after the deadline (Friday 24/03/2023): exactly the 24, the silent among them.
    r.at("2023-03-27 08:00")
    r.tick()
    assert _late_on_board(runtime, "2023-03-27") == set(directive.late)
    assert _late_in_table(runtime, case_id, "2023-03-27") == set(directive.late)
    assert set(directive.silent) <= set(directive.late)
    assert late_now(runtime, case_id, "2023-03-27") == directive.late

    # Round 2 to the 24, five working days: Monday 03/04/2023.
    start(runtime, case_id, directive.late, 5, district.SPECIALIST, "2023-03-27")
    take_through(r, PEOPLE)
    rows = tracking_rows(runtime, case_id)
    assert {unit for unit in directive.units if rows[unit].deadline == date(2023, 4, 3)} == set(directive.late)
    assert _told(runtime, case_id, 2) == sorted(directive.late)
    assert _late_on_board(runtime, "2023-03-28") == set()  # the new deadline covers acknowledging too

    # Ten of the chased units report by the new deadline; the 14 others are late again the day after.
    officer = officer_of(runtime)
    reporters = [unit for unit in directive.late if unit not in directive.silent][:10]
    r.at("2023-04-03 10:00")
    for index, unit in enumerate(reporters):
        r.do(officer(unit), "report", district.unit_report(index, "2023-04-03"), unit=unit)
    still_late = [unit for unit in directive.late if unit not in reporters]
    assert len(still_late) == 14
    assert _late_on_board(runtime, "2023-04-04") == set(still_late)
    assert _late_in_table(runtime, case_id, "2023-04-04") == set(still_late)
    assert late_now(runtime, case_id, "2023-04-04") == still_late

    # Round 3 reaches exactly those 14, with its own deadline, and no one else.
    r.at("2023-04-04 09:00")
    start(runtime, case_id, still_late, 3, district.SPECIALIST, "2023-04-04")
    drafted = take_through(r, PEOPLE, "2023-04-04")
    assert str(drafted["letter_subject"]).endswith("(lần 3)")
    rows = tracking_rows(runtime, case_id)
    assert {unit for unit in directive.units if rows[unit].deadline == date(2023, 4, 7)} == set(still_late)
    assert _told(runtime, case_id, 3) == sorted(still_late)
    assert {unit: rows[unit].reminders for unit in still_late} == dict.fromkeys(still_late, 2)
