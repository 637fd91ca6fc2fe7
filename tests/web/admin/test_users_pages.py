"""The administrators' users pages: list and filters, create, edit, deactivate, roles granted and withdrawn,
a password reset the user completes; every mistake named at its field with nothing stored, every change
audited with before and after; auditors read, officers see nothing. On the reference chart and the
invented Sở."""

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
from web.accounts.users import DEMO_PASSWORD
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.orgchart.models import RoleAssignment, User

ADMIN, AUDITOR, OFFICER = "quantri", "kiemtra", "cv.hvd"
NEW = {
    "username": "cv.lnh",
    "full_name": "Lương Ngọc Hà",
    "initials": "",
    "position_title": "Chuyên viên",
    "unit_code": "QLVHGD",
    "email": "lnh@example.vn",
    "signs_as": "",
}


def _post(client: FlaskClient, path: str, fields: dict[str, str], page: str | None = None) -> tuple[int, str]:
    token = csrf_token(client.get(page or path).get_data(as_text=True))
    response = client.post(path, data={**fields, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found[1] if found else ""


def _events(runtime: Runtime, action: str) -> list[AuditEvent]:
    with unit_of_work(runtime.sessions) as session:
        tag = f"workflows:orgchart:{action}"
        return list(session.scalars(select(AuditEvent).where(AuditEvent.tag == tag).order_by(AuditEvent.id)))


def _user(runtime: Runtime, username: str) -> User | None:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(User).where(User.username == username))


def _roles(runtime: Runtime, username: str) -> list[tuple[str, str]]:
    with unit_of_work(runtime.sessions) as session:
        rows = session.execute(
            select(RoleAssignment.role, RoleAssignment.unit_code).where(RoleAssignment.username == username)
        )
        return sorted((role, unit) for role, unit in rows)


def test_a_new_user_is_checked_field_by_field_then_created_and_audited(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    bad = {**NEW, "username": "Cv Mới", "full_name": " ", "unit_code": "KHONG_CO", "email": "lnh@", "signs_as": "XX"}
    status, page = _post(admin, "/admin/users/new", bad)
    assert status == 400
    assert _error(page, "username").startswith("Chỉ gồm chữ thường không dấu")
    assert _error(page, "full_name") == "Không được để trống."
    assert _error(page, "unit_code") == "Không có đơn vị “KHONG_CO”."
    assert _error(page, "email") == "“lnh@” không phải là địa chỉ thư điện tử."
    assert _error(page, "signs_as").startswith("Để trống hoặc chọn một trong")
    status, page = _post(admin, "/admin/users/new", {**NEW, "username": OFFICER})
    assert status == 400 and _error(page, "username") == f"Tên đăng nhập “{OFFICER}” đã có người dùng."
    assert _user(runtime, "cv.lnh") is None and _events(runtime, "user_created") == []

    status, _page = _post(admin, "/admin/users/new", NEW)
    assert status == 302
    user = _user(runtime, "cv.lnh")
    assert user is not None and user.active and user.initials == "LNH" and user.password_hash is None
    (created,) = _events(runtime, "user_created")
    assert (
        created.actor == ADMIN
        and created.after["unit_code"] == "QLVHGD"
        and created.after["full_name"] == NEW["full_name"]
    )
    listing = admin.get("/admin/users?unit=QLVHGD").get_data(as_text=True)
    assert set(re.findall(r'<tr data-username="([^"]+)"', listing)) == {"tp.qlvhgd", "cv.hvd", "cv.ntm", "cv.lnh"}


def test_an_edit_changes_only_what_changed_and_records_before_and_after(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    page = admin.get(f"/admin/users/{OFFICER}").get_data(as_text=True)
    assert 'id="user-form"' in page and "password_hash" not in page and "$argon2" not in page
    before = _user(runtime, OFFICER)
    assert before is not None
    fields = {
        "full_name": before.full_name,
        "initials": before.initials,
        "position_title": "Phó Trưởng phòng",
        "unit_code": "QLDL",
        "email": before.email or "",
        "signs_as": "",
    }
    status, page = _post(
        admin,
        f"/admin/users/{OFFICER}",
        {**fields, "unit_code": "KHONG_CO", "initials": ""},
        page=f"/admin/users/{OFFICER}",
    )
    assert status == 400 and _error(page, "unit_code") == "Không có đơn vị “KHONG_CO”."
    assert _events(runtime, "user_updated") == []
    status, _page = _post(admin, f"/admin/users/{OFFICER}", fields)
    assert status == 302
    (event,) = _events(runtime, "user_updated")
    assert event.before == {"username": OFFICER, "position_title": before.position_title, "unit_code": "QLVHGD"}
    assert event.after == {"username": OFFICER, "position_title": "Phó Trưởng phòng", "unit_code": "QLDL"}
    status, _page = _post(admin, f"/admin/users/{OFFICER}", fields)
    assert status == 302 and len(_events(runtime, "user_updated")) == 1  # nothing changed, nothing recorded


def test_roles_are_granted_and_withdrawn_with_their_unit(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    path = f"/admin/users/{OFFICER}/roles"
    status, page = _post(admin, path, {"role": "specialist", "unit_code": "QLVHGD"}, page=f"/admin/users/{OFFICER}")
    assert status == 400 and _error(page, "role") == "Người này đã giữ vai trò này tại đơn vị này."
    status, page = _post(admin, path, {"role": "thanh_tra", "unit_code": "QLVHGD"}, page=f"/admin/users/{OFFICER}")
    assert status == 400 and _error(page, "role") == "Không có vai trò “thanh_tra”."
    status, page = _post(admin, path, {"role": "specialist", "unit_code": ""}, page=f"/admin/users/{OFFICER}")
    assert status == 400 and _error(page, "grant-unit") == "Không được để trống."
    assert _roles(runtime, OFFICER) == [("specialist", "QLVHGD")]

    status, _page = _post(admin, path, {"role": "specialist", "unit_code": "QLDL"}, page=f"/admin/users/{OFFICER}")
    assert status == 302 and _roles(runtime, OFFICER) == [("specialist", "QLDL"), ("specialist", "QLVHGD")]
    page = admin.get(f"/admin/users/{OFFICER}").get_data(as_text=True)
    withdraw = re.search(r'<tr data-role="specialist" data-unit="QLVHGD">.*?action="([^"]+/withdraw)"', page, re.S)
    assert withdraw
    status, _page = _post(admin, withdraw[1], {}, page=f"/admin/users/{OFFICER}")
    assert status == 302 and _roles(runtime, OFFICER) == [("specialist", "QLDL")]
    assert [e.after for e in _events(runtime, "role_granted")] == [
        {"username": OFFICER, "role": "specialist", "unit": "QLDL"}
    ]
    assert [e.before for e in _events(runtime, "role_withdrawn")] == [
        {"username": OFFICER, "role": "specialist", "unit": "QLVHGD"}
    ]


def test_a_deactivated_user_signs_in_no_more_and_a_reset_password_is_set_by_the_user(
    app: Flask, runtime: Runtime
) -> None:
    admin = signed_in(app, ADMIN)
    officer = signed_in(app, OFFICER)
    status, page = _post(admin, f"/admin/users/{OFFICER}/password", {}, page=f"/admin/users/{OFFICER}")
    assert status == 200 and "$argon2" not in page
    link = re.search(r"<code>(https?://[^<]+/password/[^<]+)</code>", page)
    assert link
    assert officer.get("/").status_code == 302  # the reset ended the officer's session
    path = link[1][link[1].index("/password/") :]
    visitor = app.test_client()
    visitor.environ_base["wsgi.url_scheme"] = "https"
    status, page = _post(visitor, path, {"password": "ngắn", "password_again": "ngắn"})
    assert status == 400 and _error(page, "password") == "Mật khẩu cần ít nhất 10 ký tự."
    status, page = _post(visitor, path, {"password": "mật khẩu mới 2026", "password_again": "mật khẩu khác"})
    assert status == 400 and _error(page, "password_again") == "Hai lần nhập mật khẩu không giống nhau."
    status, _page = _post(visitor, path, {"password": "mật khẩu mới 2026", "password_again": "mật khẩu mới 2026"})
    assert status == 302
    assert visitor.get(path).status_code == 404  # spent
    login = app.test_client()
    login.environ_base["wsgi.url_scheme"] = "https"
    form = csrf_token(login.get("/login").get_data(as_text=True))
    assert (
        login.post("/login", data={"username": OFFICER, "password": DEMO_PASSWORD, "csrf_token": form}).status_code
        == 401
    )
    assert (
        login.post(
            "/login", data={"username": OFFICER, "password": "mật khẩu mới 2026", "csrf_token": form}
        ).status_code
        == 302
    )
    assert [e.actor for e in _events(runtime, "password_reset")] == [ADMIN]
    assert [e.actor for e in _events(runtime, "password_set")] == [OFFICER]

    status, _page = _post(admin, f"/admin/users/{OFFICER}/active", {"active": "0"}, page=f"/admin/users/{OFFICER}")
    assert status == 302 and _user(runtime, OFFICER).active is False  # type: ignore[union-attr]
    assert login.get("/").status_code == 302  # deactivated: the session is over
    assert OFFICER in admin.get("/admin/users?active=no").get_data(as_text=True)
    status, _page = _post(admin, f"/admin/users/{OFFICER}/active", {"active": "1"}, page=f"/admin/users/{OFFICER}")
    assert status == 302 and _user(runtime, OFFICER).active is True  # type: ignore[union-attr]
    assert [e.after["active"] for e in _events(runtime, "user_deactivated") + _events(runtime, "user_reactivated")] == [
        False,
        True,
    ]


def test_auditors_read_the_users_and_change_nothing_officers_see_nothing(app: Flask, runtime: Runtime) -> None:
    auditor = signed_in(app, AUDITOR)
    page = auditor.get(f"/admin/users/{OFFICER}")
    assert page.status_code == 200 and 'id="user-form"' not in page.get_data(as_text=True)
    token = csrf_token(auditor.get("/").get_data(as_text=True))
    for path, fields in (
        ("/admin/users/new", NEW),
        (f"/admin/users/{OFFICER}/active", {"active": "0"}),
        (f"/admin/users/{OFFICER}/password", {}),
        (f"/admin/users/{OFFICER}/roles", {"role": "admin", "unit_code": "SVHTTDL"}),
    ):
        refused = auditor.post(path, data={**fields, "csrf_token": token})
        assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)
    officer = signed_in(app, OFFICER)
    assert officer.get("/admin/users").status_code == 403
    assert officer.get(f"/admin/users/{OFFICER}").status_code == 403
    token = csrf_token(officer.get("/").get_data(as_text=True))
    assert (
        officer.post(
            f"/admin/users/{OFFICER}/roles", data={"role": "admin", "unit_code": "SVHTTDL", "csrf_token": token}
        ).status_code
        == 403
    )
    assert _roles(runtime, OFFICER) == [("specialist", "QLVHGD")]
    user = _user(runtime, OFFICER)
    assert user is not None and user.active and _events(runtime, "password_reset") == []


def test_the_invented_agency_administers_its_own_people(invented_app: tuple[Flask, Runtime]) -> None:
    app, runtime = invented_app
    admin = signed_in(app, invented.ADMIN)
    assert 'href="/admin/users"' in admin.get("/").get_data(as_text=True)
    fields = {**NEW, "username": "cv.moi", "unit_code": invented.STAFFED}
    status, _page = _post(admin, "/admin/users/new", fields)
    assert status == 302
    status, _page = _post(
        admin,
        "/admin/users/cv.moi/roles",
        {"role": "specialist", "unit_code": invented.STAFFED},
        page="/admin/users/cv.moi",
    )
    assert status == 302 and _roles(runtime, "cv.moi") == [("specialist", invented.STAFFED)]
    auditor = signed_in(app, INVENTED_AUDITOR)
    assert "cv.moi" in auditor.get(f"/admin/users?unit={invented.STAFFED}&role=specialist").get_data(as_text=True)
