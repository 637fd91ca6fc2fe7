"""Recipient groups for administrators: each group with its "Kính gửi" line and its members today; a group
edited (which units it holds) and one created, each mistake named at its field with nothing stored, each
change audited with before and after; auditors read, officers see nothing."""

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
from workflows.orgchart.models import RecipientGroup

ADMIN, AUDITOR, OFFICER = "quantri", "kiemtra", "cv.hvd"
GROUP = "don_vi_truc_thuoc_so"


def _post(client: FlaskClient, path: str, fields: dict[str, str], page: str) -> tuple[int, str]:
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(path, data={**fields, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found[1] if found else ""


def _groups(runtime: Runtime) -> tuple[dict[str, tuple[str, dict[str, str]]], list[str]]:
    with unit_of_work(runtime.sessions) as session:
        groups = {g.code: (g.name, dict(g.selector)) for g in session.scalars(select(RecipientGroup))}
        query = select(AuditEvent.tag).where(AuditEvent.tag.like("workflows:orgchart:group_%")).order_by(AuditEvent.id)
        tags = list(session.scalars(query))
    return groups, tags


def test_a_group_holds_other_units_once_edited_and_a_new_group_is_created(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    page = admin.get(f"/admin/groups/{GROUP}").get_data(as_text=True)
    assert len(re.findall(r'<li data-code="', page)) == 7 and '<li data-code="BTLS">' in page
    fields = {
        "name": "Các phòng chuyên môn",
        "addressee_line": "Các phòng chuyên môn thuộc Sở",
        "kind": "division",
        "parent": "SVHTTDL",
        "parent_kind": "",
    }
    status, _page = _post(admin, f"/admin/groups/{GROUP}", fields, f"/admin/groups/{GROUP}")
    assert status == 302
    page = admin.get(f"/admin/groups/{GROUP}").get_data(as_text=True)
    assert '<li data-code="QLVHGD">' in page and '<li data-code="BTLS">' not in page
    status, _page = _post(
        admin,
        "/admin/groups/new",
        {
            "code": "ubnd_huyen",
            "name": "UBND các huyện",
            "addressee_line": "UBND các huyện, thành phố",
            "kind": "district",
            "parent": "",
            "parent_kind": "",
        },
        "/admin/groups/new",
    )
    assert status == 302
    groups, tags = _groups(runtime)
    assert groups[GROUP] == ("Các phòng chuyên môn", {"kind": "division", "parent": "SVHTTDL"})
    assert groups["ubnd_huyen"] == ("UBND các huyện", {"kind": "district"})
    assert tags == ["workflows:orgchart:group_updated", "workflows:orgchart:group_created"]
    listing = admin.get("/admin/groups").get_data(as_text=True)
    assert "UBND các huyện, thành phố" in listing


def test_each_mistake_is_named_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    before = _groups(runtime)
    bad = {"name": "", "addressee_line": "x", "kind": "thon", "parent": "KHONG_CO", "parent_kind": ""}
    status, page = _post(admin, f"/admin/groups/{GROUP}", bad, f"/admin/groups/{GROUP}")
    assert status == 400
    assert _error(page, "name") == "Không được để trống."
    assert _error(page, "kind") == "Không có loại đơn vị “thon”."
    assert _error(page, "parent") == "Không có đơn vị “KHONG_CO”."
    both = {"name": "x", "addressee_line": "x", "kind": "division", "parent": "SVHTTDL", "parent_kind": "agency"}
    status, page = _post(admin, f"/admin/groups/{GROUP}", both, f"/admin/groups/{GROUP}")
    assert status == 400 and _error(page, "parent_kind").startswith("Chọn một đơn vị cấp trên hoặc")
    status, page = _post(admin, "/admin/groups/new", {**both, "parent_kind": "", "code": GROUP}, "/admin/groups/new")
    assert status == 400 and _error(page, "code") == f"Đã có nhóm “{GROUP}”."
    assert _groups(runtime) == before


def test_auditors_read_the_groups_and_officers_see_nothing(app: Flask, runtime: Runtime) -> None:
    before = _groups(runtime)
    auditor = signed_in(app, AUDITOR)
    page = auditor.get(f"/admin/groups/{GROUP}")
    assert page.status_code == 200 and "disabled" in page.get_data(as_text=True)
    token = csrf_token(auditor.get("/").get_data(as_text=True))
    fields = {"name": "x", "addressee_line": "x", "kind": "division", "csrf_token": token}
    refused = auditor.post(f"/admin/groups/{GROUP}", data=fields)
    assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)
    officer = signed_in(app, OFFICER)
    assert officer.get("/admin/groups").status_code == 403
    assert _groups(runtime) == before
