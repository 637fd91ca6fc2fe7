"""One unit's page: administrators change its name, kind, parent and validity (an end abolishes it) or merge
it into another unit from a day (its child units move); each mistake is named at its field with nothing
stored; each change is audited with before and after. Auditors read, officers see nothing. On the
reference chart and on the invented Sở."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.models import AuditEvent
from tests.web.audit.conftest import INVENTED_AUDITOR
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import Unit

ADMIN, AUDITOR, OFFICER = "quantri", "kiemtra", "cv.hvd"


def _post(client: FlaskClient, path: str, fields: dict[str, str], page: str) -> tuple[int, str]:
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(path, data={**fields, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found[1] if found else ""


def _snapshot(runtime: Runtime) -> tuple[dict[str, tuple[object, ...]], list[tuple[str, object, object]]]:
    with unit_of_work(runtime.sessions) as session:
        units = {
            u.code: (u.name, u.kind, u.parent_code, u.valid_from, u.valid_to) for u in session.scalars(select(Unit))
        }
        events = [
            (e.tag, e.before, e.after)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.tag.like("workflows:orgchart:unit_%")).order_by(AuditEvent.id)
            )
        ]
    return units, events


def _fields(runtime: Runtime, code: str, **changes: str) -> dict[str, str]:
    with unit_of_work(runtime.sessions) as session:
        unit = session.scalars(select(Unit).where(Unit.code == code)).one()
        fields = {
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
            "parent_code": unit.parent_code or "",
            "valid_from": unit.valid_from.strftime("%d/%m/%Y"),
            "valid_to": unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "",
        }
    return {**fields, **changes}


def test_the_administrator_abolishes_a_unit_and_renames_another(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    assert 'href="/admin/units/TVLS"' in admin.get("/admin/units").get_data(as_text=True)
    page = "/admin/units/TVLS"
    status, _page = _post(admin, page, _fields(runtime, "TVLS", valid_to="30/06/2025"), page)
    assert status == 302
    status, _page = _post(
        admin,
        "/admin/units/QLDL",
        _fields(runtime, "QLDL", name="Phòng Quản lý Du lịch và Lữ hành"),
        "/admin/units/QLDL",
    )
    assert status == 302
    units, events = _snapshot(runtime)
    assert units["TVLS"][4] is not None and units["TVLS"][4].isoformat() == "2025-06-30"  # type: ignore[union-attr]
    assert events[0] == (
        "workflows:orgchart:unit_updated",
        {"code": "TVLS", "valid_to": None},
        {"code": "TVLS", "valid_to": "2025-06-30"},
    )
    assert events[1][2] == {"code": "QLDL", "name": "Phòng Quản lý Du lịch và Lữ hành"}
    listing = admin.get("/admin/units").get_data(as_text=True)
    row = listing[listing.index('<tr data-code="TVLS">') :]
    assert "đến 30/06/2025" in row[: row.index("</tr>")]


def test_each_mistake_is_named_at_its_field_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    before = _snapshot(runtime)
    page = "/admin/units/UBND_TRANGDINH"
    cases = [
        ({"parent_code": "UBND_TRANGDINH"}, "parent_code", "Đơn vị không thể là cấp trên của chính nó."),
        (
            {"parent_code": "PVHTT_TRANGDINH"},
            "parent_code",
            "Đơn vị cấp trên tạo thành vòng lặp: UBND_TRANGDINH → PVHTT_TRANGDINH → UBND_TRANGDINH.",
        ),
        ({"parent_code": "KHONG_CO"}, "parent_code", "Không có đơn vị “KHONG_CO”."),
        ({"valid_to": "31/02/2025"}, "valid_to", "“31/02/2025” không phải là ngày dạng dd/mm/yyyy."),
        (
            {"valid_from": "01/01/2026", "valid_to": "31/12/2025"},
            "valid_to",
            "Trước ngày bắt đầu hiệu lực (01/01/2026).",
        ),
        ({"kind": "thon"}, "kind", "Không có loại đơn vị “thon”."),
        ({"name": "  "}, "name", "Không được để trống."),
    ]
    for changes, field, message in cases:
        status, html = _post(admin, page, _fields(runtime, "UBND_TRANGDINH", **changes), page)
        assert status == 400 and _error(html, field) == message, (changes, _error(html, field))
    assert _snapshot(runtime) == before


def test_merging_a_district_moves_its_units_under_the_other_from_a_day(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    page, path = "/admin/units/UBND_TRANGDINH", "/admin/units/UBND_TRANGDINH/merge"
    before = _snapshot(runtime)
    for fields, field, message in (
        ({"into": "", "on": "01/07/2025"}, "into", "Không được để trống."),
        (
            {"into": "PVHTT_TRANGDINH", "on": "01/07/2025"},
            "into",
            "“PVHTT_TRANGDINH” trực thuộc đơn vị bị sáp nhập: hãy chọn đơn vị ngoài nó.",
        ),
        ({"into": "UBND_VANLANG", "on": "1/7"}, "on", "“1/7” không phải là ngày dạng dd/mm/yyyy."),
    ):
        status, html = _post(admin, path, fields, page)
        assert status == 400 and _error(html, field) == message, (fields, _error(html, field))
    assert _snapshot(runtime) == before

    status, _html = _post(admin, path, {"into": "UBND_VANLANG", "on": "01/07/2025"}, page)
    assert status == 302
    units, events = _snapshot(runtime)
    assert units["UBND_TRANGDINH"][4].isoformat() == "2025-06-30"  # type: ignore[union-attr]
    assert units["PVHTT_TRANGDINH"][2] == units["TTVH_TRANGDINH"][2] == "UBND_VANLANG"
    assert events[-1][0] == "workflows:orgchart:unit_merged"
    assert events[-1][2] == {
        "code": "UBND_TRANGDINH",
        "valid_to": "2025-06-30",
        "into": "UBND_VANLANG",
        "from": "2025-07-01",
        "children": ["PVHTT_TRANGDINH", "TTVH_TRANGDINH"],
    }
    shown = admin.get("/admin/units/UBND_VANLANG").get_data(as_text=True)
    assert "PVHTT_TRANGDINH" in shown[shown.index('id="children"') :]


def test_auditors_read_a_unit_and_change_nothing_officers_see_nothing(app: Flask, runtime: Runtime) -> None:
    before = _snapshot(runtime)
    auditor = signed_in(app, AUDITOR)
    page = auditor.get("/admin/units/TVLS").get_data(as_text=True)
    assert 'id="merge-form"' not in page and "disabled" in page
    token = csrf_token(auditor.get("/").get_data(as_text=True))
    for path, fields in (
        ("/admin/units/TVLS", _fields(runtime, "TVLS", valid_to="30/06/2025")),
        ("/admin/units/TVLS/merge", {"into": "BTLS", "on": "01/07/2025"}),
    ):
        refused = auditor.post(path, data={**fields, "csrf_token": token})
        assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)
    officer = signed_in(app, OFFICER)
    assert officer.get("/admin/units/TVLS").status_code == 403
    token = csrf_token(officer.get("/").get_data(as_text=True))
    assert (
        officer.post(
            "/admin/units/TVLS/merge", data={"into": "BTLS", "on": "01/07/2025", "csrf_token": token}
        ).status_code
        == 403
    )
    assert _snapshot(runtime) == before


def test_the_invented_agency_abolishes_one_of_its_units(invented_app: tuple[Flask, Runtime]) -> None:
    app, runtime = invented_app
    admin = signed_in(app, invented.ADMIN)
    code = invented.STAFFED
    page = f"/admin/units/{code}"
    status, _html = _post(admin, page, _fields(runtime, code, valid_to="31/12/2025"), page)
    assert status == 302
    units, _events = _snapshot(runtime)
    assert units[code][4].isoformat() == "2025-12-31"  # type: ignore[union-attr]
    assert "31/12/2025" in signed_in(app, INVENTED_AUDITOR).get(page).get_data(as_text=True)
