"""A step whose process fails after it (a script over its sandbox limit) answers with a page naming the
step, not a server error, and keeps nothing: the task still waits and no number was given out."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from sqlalchemy import func, select

from engine.clock import ManualClock
from tests.web.case_helpers import signed_in
from tests.web.task_helpers import ready, submit, task_row
from tests.workflows.lifecycle_helpers import rehearsal, session_of
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.registers.models import OutgoingDocument


def test_a_script_over_its_limit_refuses_the_step_with_a_page_and_keeps_nothing(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    task = ready(runtime, r.case_id or 0, "issue")
    # An administrator's limit smaller than what the numbering script stores.
    runtime.services.script_limits = replace(runtime.services.script_limits, result_bytes=50)
    response = submit(signed_in(app, scenario.CLERK), task.id, {"issue_note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "Quy trình không chạy tiếp được" in page and "Bước “number_directive” của quy trình gặp lỗi" in page
    assert "more than the limit of 50 bytes" in page
    assert task_row(runtime, task.id).state == "ready"
    with session_of(runtime) as session:
        assert session.scalar(select(func.count()).select_from(OutgoingDocument)) == 0
