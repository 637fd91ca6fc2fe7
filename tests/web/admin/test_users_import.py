"""The administrator imports users from a spreadsheet: the preview names every bad row by its line and
column and stores nothing; a good file is previewed, confirmed and stored (users, roles) with one audit
event; an existing user changes only in the file's columns. Officers and auditors are refused. On the
reference chart and on the invented Sở."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from engine.models import AuditEvent
from tests.web.audit.conftest import INVENTED_AUDITOR
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from tests.workflows.test_unit_import_files import xlsx
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import RoleAssignment, User
from workflows.orgchart.user_import import AUDIT_TAG

ADMIN, AUDITOR, OFFICER = "quantri", "kiemtra", "cv.hvd"
HEADER = "Tên đăng nhập;Họ và tên;Chức vụ;Đơn vị;Thư điện tử;Vai trò"
GOOD = [
    "cv.pth;Phạm Thu Hằng;Chuyên viên;QLVHGD;pth@example.vn;specialist@QLVHGD",
    "cv.dvk;Đỗ Văn Khánh;Chuyên viên;QLDL;;specialist@QLDL, supervisor@SVHTTDL",
    "cv.hvd;Hoàng Văn Đức;Chuyên viên chính;QLVHGD;cv.hvd@langson.example;",
]
# Line 2: an e-mail that is none; line 4: a role the chart does not have.
BAD = [GOOD[0].replace("pth@example.vn", "pth@"), GOOD[1], GOOD[2] + "thanh_tra@QLVHGD"]


def _upload(client: FlaskClient, filename: str, data: bytes) -> TestResponse:
    token = csrf_token(client.get("/admin/users/import").get_data(as_text=True))
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/admin/users/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return "\r\n".join([header, *rows]).encode("utf-8-sig")


def _confirm(client: FlaskClient, preview: str) -> TestResponse:
    found = re.search(r'name="token" value="([^"]+)"', preview)
    assert found, "the preview offers no confirmation"
    return client.post("/admin/users/import/confirm", data={"csrf_token": csrf_token(preview), "token": found[1]})


def _stored(runtime: Runtime) -> tuple[int, int, int]:
    with unit_of_work(runtime.sessions) as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        roles = session.scalar(select(func.count()).select_from(RoleAssignment)) or 0
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == AUDIT_TAG)) or 0
    return users, roles, events


def test_two_bad_rows_are_named_then_the_corrected_file_is_stored_with_one_event(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    before = _stored(runtime)
    refused = _upload(admin, "nguoi_dung.csv", _csv(BAD))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.findall(r'<li data-line="\d+">(.*?)</li>', page) == [
        "Dòng 2, cột Thư điện tử: “pth@” không phải là địa chỉ thư điện tử.",
        "Dòng 4, cột Vai trò: Không có vai trò “thanh_tra” (các vai trò: clerk, director, leader, division_head, "
        "specialist, office, unit_officer, supervisor, auditor, admin).",
    ]
    assert 'name="token"' not in page and _stored(runtime) == before

    preview = _upload(admin, "nguoi_dung.csv", _csv(GOOD))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "3 dòng: 2 thêm mới, 1 cập nhật, 0 không đổi." in page
    assert "Chức vụ: Chuyên viên → Chuyên viên chính" in page
    confirmed = _confirm(admin, page)
    assert confirmed.status_code == 302
    users, roles, events = _stored(runtime)
    assert (users, roles, events) == (before[0] + 2, before[1] + 3, 1)
    with unit_of_work(runtime.sessions) as session:
        dvk = session.scalars(select(User).where(User.username == "cv.dvk")).one()
        hvd = session.scalars(select(User).where(User.username == OFFICER)).one()
        held = set(
            session.execute(
                select(RoleAssignment.role, RoleAssignment.unit_code).where(RoleAssignment.username == "cv.dvk")
            )
        )
        event = session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_TAG)).one()
    assert (dvk.initials, dvk.active, dvk.password_hash) == ("ĐVK", True, None)
    assert held == {("specialist", "QLDL"), ("supervisor", "SVHTTDL")}
    assert hvd.position_title == "Chuyên viên chính" and hvd.initials == "HVĐ"  # initials: not in the file, kept
    assert event.actor == ADMIN and event.after["changes"]["user"]["created"] == ["cv.pth", "cv.dvk"]
    assert event.after["changes"]["user"]["updated"] == {
        OFFICER: {"position_title": ["Chuyên viên", "Chuyên viên chính"]}
    }
    assert "Đã nhập tệp nguoi_dung.csv: thêm 2 người dùng, cập nhật 1" in admin.get("/admin/users").get_data(
        as_text=True
    )


def test_an_xlsx_file_with_a_missing_column_and_a_name_twice(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    data = xlsx(
        [["Tên đăng nhập", "Họ và tên", "Đơn vị"], ["cv.a", "Nguyễn Văn A", "QLVHGD"], ["cv.a", "Nguyễn Văn B", "VP"]]
    )
    page = _upload(admin, "nguoi_dung.xlsx", data).get_data(as_text=True)
    problems = re.findall(r'<li data-line="\d+">(.*?)</li>', page)
    assert "Dòng 1, cột Chức vụ: Thiếu cột bắt buộc này." in problems
    assert "Dòng 3, cột Tên đăng nhập: Tên đăng nhập “cv.a” đã có ở dòng 2." in problems


def test_officers_and_auditors_are_refused(app: Flask, runtime: Runtime) -> None:
    before = _stored(runtime)
    officer = signed_in(app, OFFICER)
    assert officer.get("/admin/users/import").status_code == 403
    auditor = signed_in(app, AUDITOR)
    token = csrf_token(auditor.get("/").get_data(as_text=True))
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(_csv(GOOD)), "a.csv")})
    refused = auditor.post("/admin/users/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 403
    assert _stored(runtime) == before


def test_the_invented_agency_imports_its_people(invented_app: tuple[Flask, Runtime]) -> None:
    app, _runtime = invented_app
    admin = signed_in(app, invented.ADMIN)
    rows = [f"cv.moi;Nông Thị Mới;Chuyên viên;{invented.STAFFED};;specialist@{invented.STAFFED}"]
    preview = _upload(admin, "snn.csv", _csv(rows))
    assert preview.status_code == 200
    assert _confirm(admin, preview.get_data(as_text=True)).status_code == 302
    listing = signed_in(app, INVENTED_AUDITOR).get(f"/admin/users?unit={invented.STAFFED}").get_data(as_text=True)
    assert "cv.moi" in listing and f"specialist@{invented.STAFFED}" in listing
