"""The auditor's verify page: the trail checked on request, intact; then edited by someone with database
access (triggers dropped first), and the page names the broken event. Officers may not run it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text, update

from engine import audit_guard
from engine.clock import ManualClock
from engine.models import AuditEvent
from tests.web.case_helpers import signed_in
from tests.workflows.lifecycle_helpers import rehearsal, session_of
from web.core.composition import Runtime
from workflows.directive import scenario

AUDITOR = "kiemtra"


def _page(app: Flask, url: str, user: str = AUDITOR) -> tuple[int, str]:
    response = signed_in(app, user).get(url)
    return response.status_code, response.get_data(as_text=True)


def test_the_auditor_verifies_the_trail_and_sees_the_event_someone_edited(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    status, page = _page(app, "/audit/verify")
    assert status == 200 and "Kiểm tra ngay" in page and "nguyên vẹn" not in page  # nothing read until asked

    status, page = _page(app, "/audit/verify?run=1")
    assert status == 200 and "Nhật ký nguyên vẹn:" in page

    with session_of(runtime) as session:
        victim = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == r.case_id).order_by(AuditEvent.id)
        ).all()[1]
        for statement in audit_guard.statements(session.get_bind().dialect.name, create=False):
            session.execute(text(statement))
        session.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor="nguoi-khac"))
        session.commit()
    status, page = _page(app, "/audit/verify?run=1")
    assert status == 200 and "Nhật ký KHÔNG nguyên vẹn" in page
    assert f'<td data-label="Sự kiện">{victim.id}</td><td data-label="Chuỗi">case:{r.case_id}</td>' in page


def test_an_officer_may_not_run_it(app: Flask) -> None:
    assert _page(app, "/audit/verify?run=1", scenario.SPECIALIST)[0] == 403
