"""The organisation administered over HTTP on `directive-flow serve` (gunicorn's workers and the job worker).

The administrator imports a users CSV (previewed, a bad row named, then the corrected file confirmed),
grants a role to a new user, resets their password; the user sets a password through the link, signs
in and finds their inbox; the administrator abolishes a unit and the auditor reads it, refused any
change. Every change is in the audit trail with the administrator as actor.
"""

from __future__ import annotations

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine.models import AuditEvent
from tests.served import Reply, ServedApp, WebClient
from tests.web.conftest import csrf_token
from workflows.orgchart.models import RoleAssignment, Unit, User

ADMIN, AUDITOR = "quantri", "kiemtra"
HEADER = "Tên đăng nhập;Họ và tên;Chức vụ;Đơn vị;Thư điện tử"
GOOD = ["cv.pth;Phạm Thu Hằng;Chuyên viên;QLVHGD;pth@example.vn"]
BAD = ["cv.pth;Phạm Thu Hằng;Chuyên viên;KHONG_CO;pth@example.vn"]


def _upload(client: WebClient, rows: list[str]) -> Reply:
    token = csrf_token(client.get("/admin/users/import").text)
    data = "\r\n".join([HEADER, *rows]).encode("utf-8-sig")
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), "nguoi_dung.csv")})
    return client.request("POST", "/admin/users/import", body, f"multipart/form-data; boundary={boundary}")


def _tags(served: ServedApp) -> list[tuple[str, str]]:
    with served.reading() as session:
        query = select(AuditEvent).where(AuditEvent.tag.like("workflows:orgchart:%")).order_by(AuditEvent.id)
        return [(e.tag, e.actor) for e in session.scalars(query) if e.tag != "workflows:orgchart:loaded"]


def test_the_administrator_keeps_the_organisation_over_http(served: ServedApp) -> None:
    admin = served.client(ADMIN)
    refused = _upload(admin, BAD)
    assert refused.status == 422 and "Dòng 2, cột Đơn vị: Không có đơn vị “KHONG_CO”." in refused.text
    preview = _upload(admin, GOOD)
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert preview.status == 200 and token, preview.text[:2000]
    confirmed = admin.post("/admin/users/import/confirm", {"csrf_token": csrf_token(preview.text), "token": token[1]})
    assert confirmed.status == 302, confirmed.text[:2000]

    granted = admin.post_form(
        "/admin/users/cv.pth/roles", {"role": "specialist", "unit_code": "QLVHGD"}, page="/admin/users/cv.pth"
    )
    assert granted.status == 302, granted.text[:2000]
    reset = admin.post_form("/admin/users/cv.pth/password", {}, page="/admin/users/cv.pth")
    link = re.search(r"<code>https?://[^/]+(/password/[^<]+)</code>", reset.text)
    assert reset.status == 200 and link, reset.text[:2000]
    newcomer = served.anonymous()
    chosen = newcomer.post_form(link[1], {"password": "mật khẩu của Hằng", "password_again": "mật khẩu của Hằng"})
    assert chosen.status == 302, chosen.text[:2000]
    assert newcomer.sign_in("cv.pth", "mật khẩu của Hằng").status == 302
    assert newcomer.get("/").status == 200

    abolished = admin.post_form(
        "/admin/units/TVLS",
        {
            "name": "Thư viện tỉnh",
            "short_name": "Thư viện tỉnh",
            "kind": "public_unit",
            "parent_code": "SVHTTDL",
            "valid_from": "01/01/2000",
            "valid_to": "30/06/2025",
        },
        page="/admin/units/TVLS",
    )
    assert abolished.status == 302, abolished.text[:2000]

    auditor = served.client(AUDITOR)
    assert "30/06/2025" in auditor.get("/admin/units/TVLS").text
    assert auditor.post_form("/admin/users/cv.pth/active", {"active": "0"}, page="/").status == 403

    with served.reading() as session:
        user = session.scalars(select(User).where(User.username == "cv.pth")).one()
        roles = list(session.scalars(select(RoleAssignment.role).where(RoleAssignment.username == "cv.pth")))
        unit = session.scalars(select(Unit).where(Unit.code == "TVLS")).one()
        assert user.active and user.password_hash is not None and roles == ["specialist"]
        assert unit.valid_to is not None and unit.valid_to.isoformat() == "2025-06-30"
    assert _tags(served) == [
        ("workflows:orgchart:users_imported", ADMIN),
        ("workflows:orgchart:role_granted", ADMIN),
        ("workflows:orgchart:password_reset", ADMIN),
        ("workflows:orgchart:password_set", "cv.pth"),
        ("workflows:orgchart:unit_updated", ADMIN),
    ]
