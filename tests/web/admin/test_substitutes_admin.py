"""The administrator's view of substitutes: every substitution of the agency, one named and cancelled for
any officer under the same rules as the officers' own page, each audited with the administrator as
actor; mistakes named at their fields with nothing stored; auditors read, officers see nothing."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import AuditEvent
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.substitutes import Substitution

ADMIN, AUDITOR, ABSENT, SUBSTITUTE, STRANGER = "quantri", "kiemtra", "cv.hvd", "cv.ntm", "cb.btls"
PAGE = "/admin/substitutes"


def _post(client: FlaskClient, path: str, fields: dict[str, str]) -> tuple[int, str]:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    response = client.post(path, data={**fields, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found[1] if found else ""


def _rows(runtime: Runtime) -> list[tuple[str, str, bool]]:
    with unit_of_work(runtime.sessions) as session:
        return [
            (r.absent_username, r.substitute_username, r.cancelled_at is not None)
            for r in session.scalars(select(Substitution).order_by(Substitution.id))
        ]


def _events(runtime: Runtime) -> list[tuple[str, str]]:
    with unit_of_work(runtime.sessions) as session:
        query = select(AuditEvent).where(AuditEvent.tag.like("workflows:substitution:%")).order_by(AuditEvent.id)
        return [(e.tag, e.actor) for e in session.scalars(query)]


def test_the_administrator_names_and_cancels_a_substitute_for_an_officer(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    fields = {
        "absent": ABSENT,
        "substitute": SUBSTITUTE,
        "from_date": "06/03/2023",
        "to_date": "10/03/2023",
        "reason": "Đi học",
    }
    status, _page = _post(admin, PAGE, fields)
    assert status == 302
    assert _rows(runtime) == [(ABSENT, SUBSTITUTE, False)]
    page = admin.get(PAGE).get_data(as_text=True)
    assert "06/03/2023 – 10/03/2023" in page and "Đang thay" in page
    cancel = re.search(r'action="(/admin/substitutes/\d+/cancel)"', page)
    assert cancel
    status, _page = _post(admin, cancel[1], {})
    assert status == 302 and _rows(runtime) == [(ABSENT, SUBSTITUTE, True)]
    assert _events(runtime) == [("workflows:substitution:named", ADMIN), ("workflows:substitution:cancelled", ADMIN)]
    assert "Đã hủy" in admin.get(f"{PAGE}?all=1").get_data(as_text=True)


def test_the_rules_hold_for_the_administrator_too_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    fields = {
        "absent": ABSENT,
        "substitute": STRANGER,
        "from_date": "01/03/2023",
        "to_date": "10/03/2023",
        "reason": "",
    }
    status, page = _post(admin, PAGE, fields)
    assert status == 422
    assert (
        _error(page, "substitute")
        == "Người thay thế phải cùng đơn vị với người vắng mặt hoặc là lãnh đạo của đơn vị đó."
    )
    assert _error(page, "from_date") == "Không được trước hôm nay (06/03/2023)."
    status, page = _post(admin, PAGE, {**fields, "substitute": SUBSTITUTE, "from_date": "12/03/2023"})
    assert status == 422 and _error(page, "to_date") == "Không được trước “Từ ngày”."
    status, page = _post(admin, PAGE, {**fields, "from_date": "32/03/2023"})
    assert status == 422 and _error(page, "from_date")
    assert _rows(runtime) == [] and _events(runtime) == []


def test_auditors_read_the_list_and_officers_see_nothing(app: Flask, runtime: Runtime) -> None:
    auditor = signed_in(app, AUDITOR)
    page = auditor.get(PAGE)
    assert page.status_code == 200 and 'id="substitute-form"' not in page.get_data(as_text=True)
    token = csrf_token(
        page.get_data(as_text=True)
        if "csrf_token" in page.get_data(as_text=True)
        else auditor.get("/").get_data(as_text=True)
    )
    fields = {
        "absent": ABSENT,
        "substitute": SUBSTITUTE,
        "from_date": "06/03/2023",
        "to_date": "10/03/2023",
        "csrf_token": token,
    }
    refused = auditor.post(PAGE, data=fields)
    assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)
    officer = signed_in(app, ABSENT)
    assert officer.get(PAGE).status_code == 403
    assert _rows(runtime) == []
