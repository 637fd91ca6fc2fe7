"""The working calendar's page: administrators add and remove extra days off and compensatory working
days, each mistake named at its field with nothing stored; auditors read it and change nothing;
officers see nothing. Tried on the reference chart and on the invented Sở."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent
from tests.web.audit.conftest import INVENTED_AUDITOR
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.calendar_days import AUDIT_REMOVED, AUDIT_SET, CalendarDay

ADMIN, AUDITOR, OFFICER = "quantri", "kiemtra", "cv.hvd"
PAGE = "/admin/calendar?year=2025"


def _post(client: FlaskClient, fields: dict[str, str], path: str = "/admin/calendar") -> tuple[int, str]:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    response = client.post(path, data={**fields, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _stored(runtime: Runtime) -> tuple[list[tuple[str, str, str]], list[str]]:
    with unit_of_work(runtime.sessions) as session:
        days = [
            (r.day.isoformat(), r.kind, r.note) for r in session.scalars(select(CalendarDay).order_by(CalendarDay.day))
        ]
        tags = list(
            session.scalars(
                select(AuditEvent.tag).where(AuditEvent.tag.in_([AUDIT_SET, AUDIT_REMOVED])).order_by(AuditEvent.id)
            )
        )
    return days, tags


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found[1] if found else ""


def test_the_administrator_adds_a_day_off_and_a_working_day_and_removes_one(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    status, _page = _post(admin, {"day": "05/09/2025", "kind": "day_off", "note": "Nghỉ bù Quốc khánh"})
    assert status == 302
    status, _page = _post(admin, {"day": "13/09/2025", "kind": "working_day", "note": "Làm bù cho ngày 05/9"})
    assert status == 302
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Đã lưu ngày 13/09/2025 vào lịch làm việc." in page
    assert '<td class="day extra_off" data-day="2025-09-05" title="Nghỉ bù Quốc khánh">5</td>' in page
    assert '<td class="day extra_work" data-day="2025-09-13" title="Làm bù cho ngày 05/9">13</td>' in page
    # The official holidays of the year come from the holidays package: 2 September is National Day.
    assert '<td class="day holiday" data-day="2025-09-02"' in page and "Quốc khánh" in page
    assert _stored(runtime) == (
        [("2025-09-05", "day_off", "Nghỉ bù Quốc khánh"), ("2025-09-13", "working_day", "Làm bù cho ngày 05/9")],
        [AUDIT_SET, AUDIT_SET],
    )
    status, _page = _post(admin, {}, "/admin/calendar/2025-09-13/remove")
    assert status == 302
    assert _stored(runtime) == (
        [("2025-09-05", "day_off", "Nghỉ bù Quốc khánh")],
        [AUDIT_SET, AUDIT_SET, AUDIT_REMOVED],
    )
    with unit_of_work(runtime.sessions) as session:
        removed = session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_REMOVED)).one()
    assert removed.actor == ADMIN and removed.before["day"] == "2025-09-13" and removed.after is None


def test_each_mistake_is_named_at_its_field_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    status, page = _post(admin, {"day": "31/02/2025", "kind": "day_off", "note": "x"})
    assert status == 400 and "dd/mm/yyyy" in _error(page, "day")
    status, page = _post(admin, {"day": "", "kind": "holiday", "note": ""})
    assert status == 400 and _error(page, "day") and _error(page, "kind")
    status, page = _post(admin, {"day": "06/09/2025", "kind": "day_off", "note": "Thứ Bảy"})
    assert status == 400 and _error(page, "day") == "Ngày 06/09/2025 đã là ngày nghỉ (cuối tuần hoặc ngày lễ)."
    status, page = _post(admin, {"day": "08/09/2025", "kind": "working_day", "note": "Thứ Hai"})
    assert status == 400 and _error(page, "day") == "Ngày 08/09/2025 đã là ngày làm việc."
    status, page = _post(admin, {"day": "05/09/2025", "kind": "day_off", "note": "  "})
    assert status == 400 and _error(page, "note") == "Hãy ghi lý do (ví dụ văn bản của Chính phủ)."
    assert 'value="05/09/2025"' in page  # what was typed stays
    status, page = _post(admin, {"day": "05/09/2025", "kind": "day_off", "note": "x" * 256})
    assert status == 400 and _error(page, "note") == "Dài hơn 255 ký tự."
    assert _stored(runtime) == ([], [])


def test_auditors_read_it_and_change_nothing_officers_see_nothing(app: Flask, runtime: Runtime) -> None:
    auditor = signed_in(app, AUDITOR)
    page = auditor.get(PAGE)
    assert page.status_code == 200 and 'id="calendar-form"' not in page.get_data(as_text=True)
    token = csrf_token(auditor.get("/inbox").get_data(as_text=True))
    refused = auditor.post(
        "/admin/calendar", data={"day": "05/09/2025", "kind": "day_off", "note": "x", "csrf_token": token}
    )
    assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)
    officer = signed_in(app, OFFICER)
    assert officer.get(PAGE).status_code == 403
    token = csrf_token(officer.get("/inbox").get_data(as_text=True))
    assert (
        officer.post(
            "/admin/calendar", data={"day": "05/09/2025", "kind": "day_off", "note": "x", "csrf_token": token}
        ).status_code
        == 403
    )
    admin = signed_in(app, ADMIN)
    without_token = admin.post("/admin/calendar", data={"day": "05/09/2025", "kind": "day_off", "note": "x"})
    assert without_token.status_code == 400
    assert _stored(runtime) == ([], [])


def test_the_invented_agency_keeps_its_own_calendar(invented_app: tuple[Flask, Runtime], clock: ManualClock) -> None:
    app, runtime = invented_app
    admin = signed_in(app, invented.ADMIN)
    assert 'href="/admin/calendar"' in admin.get("/inbox").get_data(as_text=True)
    status, _page = _post(admin, {"day": "02/01/2026", "kind": "day_off", "note": "Nghỉ bù Tết Dương lịch"})
    assert status == 302
    assert _stored(runtime)[0] == [("2026-01-02", "day_off", "Nghỉ bù Tết Dương lịch")]
    auditor = signed_in(app, INVENTED_AUDITOR)
    assert "Nghỉ bù Tết Dương lịch" in auditor.get("/admin/calendar?year=2026").get_data(as_text=True)
