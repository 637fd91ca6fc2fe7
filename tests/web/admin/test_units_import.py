"""The administrator imports units from a spreadsheet in the application: the preview names every bad row
by its line and column and stores nothing; a good file is previewed, then confirmed and stored with
its audit event. The organisation is the invented district's (tests/workflows/district_org.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from engine.clock import ManualClock
from engine.models import AuditEvent
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.test_unit_import_files import xlsx
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import Unit
from workflows.orgchart.unit_import import AUDIT_TAG

HEADER = "Mã đơn vị;Tên đơn vị;Loại đơn vị;Đơn vị cấp trên;Hiệu lực từ;Hiệu lực đến"
GOOD_ROWS = [
    "XA_TANLAP;Ủy ban nhân dân xã Tân Lập;commune;UBND_DX;01/01/2025;",
    "NNMT;Phòng Nông nghiệp, Môi trường và Khuyến nông;division;UBND_DX;01/07/2021;",
    "MN_TANLAP;Trường mầm non Tân Lập;school;XA_TANLAP;01/01/2025;",
]
# Line 3 has a kind the district does not have, line 5 a date that is no date.
BAD_ROWS = [
    GOOD_ROWS[0],
    "XA_DONGTIEN;Xã Đồng Tiến;thon;UBND_DX;01/01/2025;",
    GOOD_ROWS[1],
    GOOD_ROWS[2].replace("01/01/2025", "32/13/2025"),
]


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        yield runtime


def _csv(*rows: str) -> bytes:
    return "\r\n".join([HEADER, *rows]).encode("utf-8-sig")


def _upload(client: FlaskClient, filename: str, data: bytes, page: str = "/admin/units/import") -> TestResponse:
    token = csrf_token(client.get(page).get_data(as_text=True))
    # Encoded here in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/admin/units/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _confirm(client: FlaskClient, preview: str, token: str | None = None) -> TestResponse:
    found = re.search(r'name="token" value="([^"]+)"', preview)
    assert found, "the preview offers no confirmation"
    return client.post(
        "/admin/units/import/confirm", data={"csrf_token": csrf_token(preview), "token": token or found[1]}
    )


def _stored(runtime: Runtime) -> tuple[int, int]:
    with unit_of_work(runtime.sessions) as session:
        units = session.scalar(select(func.count()).select_from(Unit)) or 0
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == AUDIT_TAG)) or 0
    return units, events


def test_two_bad_rows_are_named_with_their_line_and_column_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    before = _stored(runtime)
    admin = signed_in(app, district.ADMIN)
    response = _upload(admin, "don_vi.csv", _csv(*BAD_ROWS))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    problems = re.findall(r'<li data-line="\d+">(.*?)</li>', page)
    assert problems == [
        "Dòng 3, cột Loại đơn vị: Không có loại đơn vị “thon” (các loại: district_committee, division, commune, "
        "school, cooperative).",
        "Dòng 5, cột Hiệu lực từ: “32/13/2025” không phải là ngày dạng dd/mm/yyyy.",
    ]
    assert 'name="token"' not in page and "Tải lên tệp đã sửa" in page
    assert re.search(r'<tr data-line="2" data-action="new">', page)
    assert _stored(runtime) == before


def test_a_good_file_is_previewed_then_confirmed_and_stored_with_its_audit_event(app: Flask, runtime: Runtime) -> None:
    units, events = _stored(runtime)
    admin = signed_in(app, district.ADMIN)
    preview = _upload(admin, "don_vi.csv", _csv(*GOOD_ROWS))
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "3 dòng: 2 thêm mới, 1 cập nhật, 0 không đổi." in page
    assert "Tên đơn vị: Phòng Nông nghiệp và Môi trường → Phòng Nông nghiệp, Môi trường và Khuyến nông" in page
    assert _stored(runtime) == (units, events)  # the preview stores nothing

    tampered = _confirm(admin, page, token="eyJ0YWJsZSI6e319.forged")
    assert tampered.status_code == 400 and "hãy tải tệp lên lại" in tampered.get_data(as_text=True)
    assert _stored(runtime) == (units, events)

    confirmed = _confirm(admin, page)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/admin/units")
    listing = admin.get("/admin/units").get_data(as_text=True)
    assert "Đã nhập tệp don_vi.csv: thêm 2 đơn vị, cập nhật 1, 0 không đổi." in listing
    assert 'data-code="MN_TANLAP"' in listing and "Phòng Nông nghiệp, Môi trường và Khuyến nông" in listing
    assert _stored(runtime) == (units + 2, events + 1)
    with unit_of_work(runtime.sessions) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_TAG)).one()
        assert event.actor == district.ADMIN
        assert event.after["changes"]["unit"]["created"] == ["XA_TANLAP", "MN_TANLAP"]
    for reference in district.REFERENCE_NAMES:
        assert reference not in listing

    again = _confirm(admin, page)  # the same preview confirmed twice changes nothing more
    assert again.status_code == 409 and "đã thay đổi từ lúc xem trước" in again.get_data(as_text=True)
    assert _stored(runtime) == (units + 2, events + 1)


def test_an_xlsx_is_imported_too(app: Flask, runtime: Runtime) -> None:
    units, _ = _stored(runtime)
    admin = signed_in(app, district.ADMIN)
    rows = [HEADER.split(";"), *(row.split(";") for row in GOOD_ROWS)]
    page = _upload(admin, "Don vi.xlsx", xlsx(rows)).get_data(as_text=True)
    assert "3 dòng: 2 thêm mới, 1 cập nhật, 0 không đổi." in page
    assert _confirm(admin, page).status_code == 302
    assert _stored(runtime)[0] == units + 2


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("don_vi.pdf", b"%PDF-1.4", "Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx)."),
        ("don_vi.xlsx", b"PK\x03\x04garbage", "Không đọc được tệp XLSX"),
        ("don_vi.csv", b"a" * 1_000_001, "Tệp lớn hơn 1 MB"),
        ("", b"", "Hãy chọn tệp CSV hoặc XLSX để nhập."),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(app: Flask, filename: str, data: bytes, message: str) -> None:
    response = _upload(signed_in(app, district.ADMIN), filename, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_only_administrators_import(app: Flask) -> None:
    officer = signed_in(app, district.SPECIALIST)
    assert officer.get("/admin/units").status_code == 403
    assert officer.get("/admin/units/import").status_code == 403
    assert 'href="/admin/units"' not in officer.get("/inbox").get_data(as_text=True)
    token = csrf_token(officer.get("/inbox").get_data(as_text=True))
    upload = _upload(officer, "don_vi.csv", _csv(*GOOD_ROWS), page="/inbox")
    assert upload.status_code == 403
    assert officer.post("/admin/units/import/confirm", data={"csrf_token": token, "token": "x"}).status_code == 403
    assert 'href="/admin/units"' in signed_in(app, district.ADMIN).get("/inbox").get_data(as_text=True)


def test_a_request_over_the_application_s_upload_limit_gets_the_same_message(app: Flask) -> None:
    admin = signed_in(app, district.ADMIN)
    response = _upload(admin, "don_vi.csv", b"a" * (int(app.config["MAX_CONTENT_LENGTH"]) + 1))
    assert response.status_code == 413
    assert "Tệp lớn hơn 1 MB; hãy chia thành nhiều tệp nhỏ hơn." in response.get_data(as_text=True)
    officer = signed_in(app, district.SPECIALIST)
    too_large = _upload(officer, "don_vi.csv", b"a" * (int(app.config["MAX_CONTENT_LENGTH"]) + 1), page="/inbox")
    assert too_large.status_code == 403
