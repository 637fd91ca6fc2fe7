"""Refusals: nobody sees or acts on a task that is not theirs by guessing its id, and forms need their token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.conftest import csrf_token
from tests.web.task_helpers import form_values, ready, task_row
from tests.workflows.lifecycle_helpers import rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

Login = Callable[[str], FlaskClient]
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return rehearsal(runtime, clock)


def _cases(runtime: Runtime) -> int:
    with session_of(runtime) as session:
        return int(session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


def test_an_officer_cannot_reach_another_units_task(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The officer of Thư viện tỉnh guessing the Bảo tàng's task id finds nothing and changes nothing."""
    run_to_issue(r)
    theirs = ready(runtime, r.case_id or 0, "acknowledge", unit="BTLS")
    mine = ready(runtime, r.case_id or 0, "acknowledge", unit="TVLS")
    client = login("cb.tvls")
    own_page = client.get(f"/tasks/{mine.id}")
    assert own_page.status_code == 200
    token = csrf_token(own_page.get_data(as_text=True))

    assert client.get(f"/tasks/{theirs.id}").status_code == 404
    assert client.post(f"/tasks/{theirs.id}", data={"csrf_token": token, "acknowledge_note": "x"}).status_code == 404
    assert client.post(f"/tasks/{theirs.id}/claim", data={"csrf_token": token}).status_code in (403, 404)
    assert client.post(f"/tasks/{theirs.id}/release", data={"csrf_token": token}).status_code in (403, 404)
    handover = {"csrf_token": token, "to_user": "cb.tvls", "reason": "Nhận thay"}
    assert client.post(f"/tasks/{theirs.id}/handover", data=handover).status_code == 404
    row = task_row(runtime, theirs.id)
    assert (row.state, row.assignee, row.completed_by) == ("ready", None, None)
    assert "Bảo tàng" not in client.get("/").get_data(as_text=True)


def test_a_specialist_cannot_open_the_directors_task(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The instruction is the director's: the specialist is told there is no such page."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 404
    token = csrf_token(page.get_data(as_text=True))
    data = {"csrf_token": token, **case.INSTRUCTION, "supporting_divisions": []}
    assert client.post(f"/tasks/{task.id}", data=data).status_code == 404
    assert task_row(runtime, task.id).state == "ready"
    assert login("giamdoc").get(f"/tasks/{task.id}").status_code == 200


def test_only_clerks_create_incoming_letters(login: Login, runtime: Runtime) -> None:
    """A unit officer has no menu entry for incoming letters, and the address refuses them."""
    client = login("cb.btls")
    inbox = client.get("/").get_data(as_text=True)
    assert "Tiếp nhận văn bản đến" not in inbox
    before = _cases(runtime)
    assert client.get("/incoming/new").status_code == 403
    assert client.post("/incoming/new", data={"csrf_token": csrf_token(inbox)}).status_code == 403
    assert _cases(runtime) == before


def test_a_task_done_meanwhile_gives_the_already_done_page(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """Two specialists open the same draft; the second to submit is told it has already been done."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.ntm")
    values = form_values(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    r.do(scenario.SPECIALIST, "draft", case.draft())
    response = client.post(f"/tasks/{task.id}", data=values)
    assert response.status_code == 409
    assert "Việc đã được xử lý" in response.get_data(as_text=True)
    assert task_row(runtime, task.id).completed_by == scenario.SPECIALIST
    assert client.get(f"/tasks/{task.id}").status_code == 409


def test_every_form_needs_its_csrf_token(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """A form posted from another site (no token) is refused and changes nothing."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    before = _cases(runtime)
    assert client.post(f"/tasks/{task.id}", data={"draft_subject": "x"}).status_code == 400
    assert client.post(f"/tasks/{task.id}/handover", data={"to_user": "cv.ntm", "reason": "x"}).status_code == 400
    assert client.post(f"/tasks/{task.id}/claim").status_code == 400
    assert client.post(f"/tasks/{task.id}/release").status_code == 400
    assert login("vanthu").post("/incoming/new").status_code == 400
    row = task_row(runtime, task.id)
    assert (row.state, row.assignee) == ("ready", None)
    assert _cases(runtime) == before


def test_an_unknown_task_is_not_found(login: Login) -> None:
    """A made-up task id leads to the not-found page, whatever is asked of it."""
    client = login("vanthu")
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.get(f"/tasks/{UNKNOWN}").status_code == 404
    assert client.post(f"/tasks/{UNKNOWN}", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/tasks/{UNKNOWN}/handover", data={"csrf_token": token}).status_code == 404
    assert "Không tìm thấy" in client.get("/tasks/not-a-task").get_data(as_text=True)


def test_a_unit_sees_the_directive_not_the_sos_internal_handling(
    login: Callable[[str], FlaskClient], runtime: Runtime, clock: ManualClock
) -> None:
    """A unit officer's task page shows the directive it received, not the arrival number or the director's deadline."""
    r = rehearsal(runtime, clock)
    run_to_issue(r)
    client = login("cb.btls")
    (task,) = [t for t in r.pending("acknowledge") if t.candidate_unit == "BTLS"]
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "01/SVHTTDL-QLVHGĐ" in page
    assert "Số đến" not in page
    assert "Hạn giải quyết" not in page
