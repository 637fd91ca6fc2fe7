"""The administrator imports units on `directive-flow serve` (gunicorn and its job worker, tests/served.py):
a file with two bad rows is previewed with both named and nothing stored; the corrected file is
previewed, confirmed, stored and recorded in the audit trail; an officer is refused."""

from __future__ import annotations

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine.models import AuditEvent
from tests.served import Reply, ServedApp, WebClient
from tests.web.conftest import csrf_token
from workflows.directive.scenario import SPECIALIST
from workflows.orgchart.models import Unit
from workflows.orgchart.unit_import import AUDIT_TAG

ADMIN = "quantri"
HEADER = "Mã đơn vị;Tên đơn vị;Loại đơn vị;Đơn vị cấp trên;Thư điện tử;Hiệu lực từ"
GOOD = [
    "TT_SOHOA;Trung tâm Chuyển đổi số;public_unit;SVHTTDL;ttcds@example.vn;01/01/2025",
    "PHONG_SOHOA;Phòng Dữ liệu số;division;TT_SOHOA;;01/01/2025",
]
BAD = [GOOD[0].replace("ttcds@example.vn", "ttcds@"), GOOD[1].replace(";TT_SOHOA;", ";TT_SO_HOA;")]


def _upload(client: WebClient, rows: list[str]) -> Reply:
    token = csrf_token(client.get("/admin/units/import").text)
    data = "\r\n".join([HEADER, *rows]).encode("utf-8-sig")
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), "don_vi.csv")})
    return client.request("POST", "/admin/units/import", body, f"multipart/form-data; boundary={boundary}")


def _stored(served: ServedApp) -> tuple[list[str], int]:
    with served.reading() as session:
        codes = list(session.scalars(select(Unit.code).where(Unit.code.in_(["TT_SOHOA", "PHONG_SOHOA"]))))
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_TAG)))
    return sorted(codes), len(events)


def test_the_administrator_sees_two_bad_rows_named_then_imports_the_corrected_file(served: ServedApp) -> None:
    admin = served.client(ADMIN)
    assert 'href="/admin/units"' in admin.get("/inbox").text

    refused = _upload(admin, BAD)
    assert refused.status == 422, refused.text[:2000]
    problems = re.findall(r'<li data-line="\d+">(.*?)</li>', refused.text)
    assert problems == [
        "Dòng 2, cột Thư điện tử: “ttcds@” không phải là địa chỉ thư điện tử.",
        "Dòng 3, cột Đơn vị cấp trên: Không có đơn vị “TT_SO_HOA”, trong hệ thống cũng như trong tệp.",
    ]
    assert _stored(served) == ([], 0)

    preview = _upload(admin, GOOD)
    assert preview.status == 200 and "2 dòng: 2 thêm mới, 0 cập nhật, 0 không đổi." in preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token
    confirmed = admin.post("/admin/units/import/confirm", {"csrf_token": csrf_token(preview.text), "token": token[1]})
    assert confirmed.status == 302 and confirmed.location == "/admin/units", confirmed.text[:2000]
    listing = admin.get("/admin/units").text
    assert "Đã nhập tệp don_vi.csv: thêm 2 đơn vị" in listing and "Phòng Dữ liệu số" in listing
    assert _stored(served) == (["PHONG_SOHOA", "TT_SOHOA"], 1)

    officer = served.client(SPECIALIST)
    assert officer.get("/admin/units").status == 403
    assert _upload_as_officer(officer).status == 403


def _upload_as_officer(officer: WebClient) -> Reply:
    token = csrf_token(officer.get("/inbox").text)
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(b"x"), "a.csv")})
    return officer.request("POST", "/admin/units/import", body, f"multipart/form-data; boundary={boundary}")
