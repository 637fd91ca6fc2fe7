"""The auditor opens every case and changes nothing: every route that accepts a state-changing
method answers 403 with the read-only page, and the database keeps exactly what it held. The routes
are read from the application's URL map, so a route added later is checked without being named here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.db import Base
from engine.models import AuditEvent, TaskRow
from tests.web.case_helpers import add_user, signed_in
from tests.web.conftest import csrf_token
from tests.web.task_helpers import ready
from tests.workflows.lifecycle_helpers import rehearsal, run_to_issue, session_of
from web.audit.read_only import OWN_SESSION_ENDPOINTS, SAFE_METHODS
from web.core.composition import Runtime
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.models import RoleAssignment

Login = Callable[[str], FlaskClient]
AUDITOR = "kiemtra"
READ_ONLY_TITLE = "Chỉ được xem"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return rehearsal(runtime, clock)


def _snapshot(runtime: Runtime) -> dict[str, Any]:
    """How many rows each table holds, and the last audit event: what a refused request must leave as it was."""
    with session_of(runtime) as session:
        counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        last = session.scalar(select(func.max(AuditEvent.id)))
        tasks = sorted((t.id, t.state, t.assignee or "") for t in session.scalars(select(TaskRow)))
    return {"counts": counts, "last_event": last, "tasks": tasks}


def _arguments(runtime: Runtime, case_id: int) -> dict[str, Any]:
    """A real value for every URL argument the application's routes take."""
    task = ready(runtime, case_id, "acknowledge", unit="BTLS")
    return {
        "case_id": case_id,
        "instance_id": task.instance_id,
        "task_id": task.id,
        "substitution_id": 1,
        "notification_id": 1,
        "row_id": 1,
        "job_id": 1,
        "code": "en",
        "key": "format_check",
        "action": "suspend",
        # The administrators' organisation pages (issue 13): a calendar day, a user, a role, a reset link.
        "day": "2023-03-10",
        "username": "cv.hvd",
        "assignment_id": 1,
        "token": "x",
        # The modeler's drafts.
        "draft_id": 1,
    }


def _changing_routes(app: Flask) -> list[tuple[str, str, set[str]]]:
    """(endpoint, method, URL arguments) of every route accepting a method that may change state."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SAFE_METHODS):
            found.append((rule.endpoint, method, set(rule.arguments)))
    return found


def test_every_state_changing_route_refuses_the_auditor(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """Each POST (or other changing method) of the auditor is refused with the read-only page; nothing is stored."""
    run_to_issue(r)
    case_id = r.case_id or 0
    client = signed_in(app, AUDITOR)
    case_page = client.get(f"/cases/{case_id}")
    assert case_page.status_code == 200
    token = csrf_token(case_page.get_data(as_text=True))
    values = _arguments(runtime, case_id)
    routes = [route for route in _changing_routes(app) if route[0] not in OWN_SESSION_ENDPOINTS]
    assert {"tasks.complete", "inbox.claim", "tasks.handover", "attachments.upload"} <= {e for e, _, _ in routes}
    before = _snapshot(runtime)
    with app.test_request_context():
        for endpoint, method, names in routes:
            url = app.url_for(endpoint, **{name: values[name] for name in names})
            response = client.open(url, method=method, data={"csrf_token": token, "reason": "thử", "comment": "x"})
            page = response.get_data(as_text=True)
            assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
            assert READ_ONLY_TITLE in page, f"{method} {url} did not show the read-only page"
    assert _snapshot(runtime) == before
    assert client.get(f"/cases/{case_id}").status_code == 200
    # Reading stays open: the registers and every document of the case.
    assert client.get("/registers/outgoing").status_code == 200
    assert client.get(f"/cases/{case_id}/documents/cong-van").status_code == 200
    assert client.get(f"/cases/{case_id}/documents/cong-van.docx").status_code == 200


def test_an_auditor_who_is_also_an_officer_acts_as_the_officer(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """Auditing adds reading rights only: holding the Bảo tàng's officer role too, the auditor claims its task."""
    run_to_issue(r)
    task = ready(runtime, r.case_id or 0, "acknowledge", unit="BTLS")
    with session_of(runtime) as session:
        session.add(RoleAssignment(username=AUDITOR, role="unit_officer", unit_code="BTLS"))
    client = signed_in(app, AUDITOR)
    token = csrf_token(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert client.post(f"/tasks/{task.id}/claim", data={"csrf_token": token}).status_code == 302
    assert ready(runtime, r.case_id or 0, "acknowledge", unit="BTLS").assignee == AUDITOR


def test_the_administrator_and_a_supervisor_of_any_unit_see_every_case(
    app: Flask, r: Rehearsal, runtime: Runtime
) -> None:
    """The administrator (who took no part) and the auditor open the case; a supervisor named in a division does too."""
    run_to_issue(r)
    case_id = r.case_id or 0
    add_user(runtime, "gs.phong", "Giám Sát Phòng", "VP", "supervisor")
    for username in ("quantri", AUDITOR, "gs.phong"):
        client = signed_in(app, username)
        assert client.get(f"/cases/{case_id}").status_code == 200, username
        assert f"/cases/{case_id}" in client.get("/search").get_data(as_text=True), username
