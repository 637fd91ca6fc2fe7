"""The Sở's steps after signature: issuing, reviewing the units' reports, consolidating them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.task_helpers import field_block, form_values, ready, submit
from tests.workflows.lifecycle_helpers import all_units_report, instance_data, officer_of, rehearsal, run_to_issue
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

Login = Callable[[str], FlaskClient]


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return rehearsal(runtime, clock)


def test_clerk_issues_and_reads_the_directive_number(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The clerk issues the signed directive from its page and is told the number it was given."""
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    task = ready(runtime, r.case_id or 0, "issue")
    client = login("vanthu")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Ký ban hành" in page and "Phan Văn Hòa" in page  # the signature among the earlier steps
    response = submit(client, task.id, {"issue_note": "Phát hành qua hệ thống."})
    assert response.status_code == 302
    inbox = client.get("/").get_data(as_text=True)
    assert "Văn bản đã được cấp số: 01/SVHTTDL-QLVHGĐ." in inbox


def test_consolidation_shows_the_units_totals(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """When every unit has reported, the specialist consolidating sees the totals and who was late."""
    units = run_to_issue(r)
    all_units_report(r, units, officer_of(runtime))
    task = ready(runtime, r.case_id or 0, "consolidate")
    page = login("cv.hvd").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Tổng hợp báo cáo của các đơn vị" in page
    totals = instance_data(runtime, r.case_id or 0)["report_totals"]
    assert re.search(rf"Số đơn vị đã báo cáo</dt><dd>{len(units)}</dd>", page)
    assert re.search(rf"Số tin, bài</dt><dd>{totals['articles']}</dd>", page)
    assert "Bảo tàng tỉnh Lạng Sơn" in page


def _reported(r: Rehearsal, runtime: Runtime) -> str:
    """Bảo tàng tỉnh has reported; the id of the specialist's review of that report."""
    run_to_issue(r)
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    r.do("cb.btls", "report", case.unit_report(0, "2023-03-09"), unit="BTLS")
    return ready(runtime, r.case_id or 0, "review_report", unit="BTLS").id


def test_asking_a_unit_for_more_needs_a_comment_and_a_date(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The specialist asking for more is told to say what is missing and by when; then the unit gets it back."""
    task_id = _reported(r, runtime)
    client = login("cv.hvd")
    refused = submit(client, task_id, {"decision": "more", "comment": ""})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Cần nêu nội dung cần bổ sung" in field_block(page, "f-comment")
    assert "Cần nhập hạn nộp lại" in field_block(page, "f-resubmit_by")
    assert form_values(page)["decision"] == "more"

    done = submit(client, task_id, {"decision": "more", "comment": scenario.MORE_COMMENT, "resubmit_by": "2023-03-23"})
    assert done.status_code == 302
    again = ready(runtime, r.case_id or 0, "report", unit="BTLS")
    page = login("cb.btls").get(f"/tasks/{again.id}").get_data(as_text=True)
    assert scenario.MORE_COMMENT in page and "Yêu cầu bổ sung" in page
    assert form_values(page)["narrative"] == case.unit_report(0, "2023-03-09")["narrative"]


def test_asking_for_more_by_a_date_already_past_is_refused(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """A resubmission date before today (9/3/2023) is refused next to the date field."""
    task_id = _reported(r, runtime)
    client = login("cv.hvd")
    response = submit(client, task_id, {"decision": "more", "comment": "Bổ sung số liệu.", "resubmit_by": "2023-03-01"})
    assert response.status_code == 422
    assert "Hạn nộp lại không được trước ngày hôm nay" in field_block(response.get_data(as_text=True), "f-resubmit_by")
