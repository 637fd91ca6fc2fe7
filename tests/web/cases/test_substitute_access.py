"""A substitute reads the case whose work waits for the officer they stand in for, as that officer would."""

from __future__ import annotations

from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario

SPECIALIST, HEAD = case.PEOPLE["specialist"], case.PEOPLE["head"]


def test_the_head_standing_in_for_the_specialist_opens_the_case_waiting_for_the_draft(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)  # the draft now waits for the lead division's specialist
    head = signed_in(app, HEAD)
    assert head.get(f"/cases/{r.case_id}").status_code == 404  # not his step, not yet his case

    absent = signed_in(app, SPECIALIST)
    today = clock.now().strftime("%d/%m/%Y")
    token = csrf_token(absent.get("/substitutes").get_data(as_text=True))
    named = absent.post(
        "/substitutes",
        data={
            "absent": SPECIALIST,
            "substitute": HEAD,
            "from_date": today,
            "to_date": today,
            "reason": "Nghỉ phép",
            "csrf_token": token,
        },
    )
    assert named.status_code == 302, named.get_data(as_text=True)

    page = head.get(f"/cases/{r.case_id}")
    assert page.status_code == 200
    assert case.SUBJECT[:40] in page.get_data(as_text=True)
