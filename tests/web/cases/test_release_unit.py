"""Stopping one unit's part of a directive from the case page: who may, with a reason, and the case goes on."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import TaskRow
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import all_units_report, instance, officer_of, session_of
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return fast_rehearsal(runtime, clock)


def _child_of(runtime: Runtime, case_id: int, unit: str) -> int:
    with session_of(runtime) as session:
        return int(
            session.scalars(
                select(TaskRow.instance_id).where(TaskRow.case_id == case_id, TaskRow.candidate_unit == unit)
            ).first()
            or 0
        )


def _release(app: Flask, username: str, case_id: int, child_id: int, reason: str) -> tuple[int, str]:
    client = signed_in(app, username)
    page = client.get(f"/cases/{case_id}?instance={child_id}")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(f"/cases/{case_id}/units/{child_id}/release", data={"csrf_token": token, "reason": reason})
    shown = (
        client.get(f"/cases/{case_id}?instance={child_id}").get_data(as_text=True)
        if response.status_code == 303
        else ""
    )
    return response.status_code, shown


def test_the_specialist_stops_a_unit_and_the_directive_goes_on_without_it(
    app: Flask, r: Rehearsal, runtime: Runtime
) -> None:
    """The released unit is marked on the page and in the trail; the others' reports reach the consolidation."""
    units = draft_returned_then_issued(r)
    case_id = r.case_id or 0
    released = units[3]
    child_id = _child_of(runtime, case_id, released)
    status, page = _release(app, scenario.SPECIALIST, case_id, child_id, "Đơn vị đã sáp nhập theo quyết định của UBND")
    assert status == 303
    assert "Đã dừng thực hiện tại đơn vị" in page
    assert "Dừng thực hiện tại đơn vị:" in page  # the trail entry
    assert "Đơn vị đã sáp nhập theo quyết định của UBND" in page
    assert instance(runtime, child_id).status == "cancelled"
    with session_of(runtime) as session:
        open_tasks = session.scalars(
            select(TaskRow).where(TaskRow.instance_id == child_id, TaskRow.state == "ready")
        ).all()
    assert open_tasks == []

    others = [unit for unit in units if unit != released]
    all_units_report(r, others, officer_of(runtime))
    assert r.pending("consolidate"), "the case waits for the stopped unit"
    data = r.data()
    assert [report["unit"] for report in data["unit_reports"]] == others
    assert re.search(rf"{len(others)}/{len(units)} đơn vị đã gửi báo cáo.*1 đơn vị dừng thực hiện", data["report_body"])


@pytest.mark.parametrize(
    ("who", "status"),
    [("pgd.hoa", 403), ("vanthu", 403), ("unit officer", 404)],
)
def test_no_one_else_can_stop_a_unit(app: Flask, r: Rehearsal, runtime: Runtime, who: str, status: int) -> None:
    """A deputy director and the clerk are refused by the engine (403); the unit's own officer sees only
    their part, where the action does not exist (404). The page offers none of them the form."""
    units = draft_returned_then_issued(r)
    case_id = r.case_id or 0
    child_id = _child_of(runtime, case_id, units[0])
    username = officer_of(runtime)(units[0]) if who == "unit officer" else who
    client = signed_in(app, username)
    page = client.get(f"/cases/{case_id}?instance={child_id}").get_data(as_text=True)
    assert "Dừng thực hiện tại đơn vị này" not in page
    response = client.post(
        f"/cases/{case_id}/units/{child_id}/release", data={"csrf_token": csrf_token(page), "reason": "thử"}
    )
    assert response.status_code == status
    assert instance(runtime, child_id).status == "running"


def test_a_reason_is_required(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """An empty reason is refused with a message naming the field; the unit's part goes on."""
    units = draft_returned_then_issued(r)
    case_id = r.case_id or 0
    child_id = _child_of(runtime, case_id, units[0])
    status, page = _release(app, scenario.SPECIALIST, case_id, child_id, "   ")
    assert status == 303
    assert "Lý do: hãy ghi lý do" in page
    assert instance(runtime, child_id).status == "running"
