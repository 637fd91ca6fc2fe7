"""Biểu mẫu: administrators design task forms and save versions; auditors read; the task page draws and checks them."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.models import AuditEvent, TaskRow
from engine.runtime import Engine
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows.designed_forms_data import FORMAT_CHECK, GOOD_POST, format_check_v2, one_step_process
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.forms import designed
from workflows.forms.designed_models import DesignedForm

ADMIN, AUDITOR, SPECIALIST, HEAD = "quantri", "kiemtra", "cv.hvd", "tp.qlvhgd"
DIVISION = "QLVHGD"


def _post(client: FlaskClient, url: str, page_url: str, **fields: str) -> tuple[int, str, str]:
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **fields})
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def _create(client: FlaskClient, design: object, key: str = "format_check", name: str = "Kiểm tra thể thức") -> int:
    status, _location, _page = _post(
        client, "/admin/forms/new", "/admin/forms/new", key=key, name=name, schema=json.dumps(design)
    )
    return status


def _count(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(DesignedForm)) or 0)


def test_the_administrator_saves_a_form_then_a_new_version_and_each_is_audited(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    assert _create(admin, FORMAT_CHECK) == 302
    listing = admin.get("/admin/forms").get_data(as_text=True)
    assert "Kiểm tra thể thức" in listing and "designed:format_check:1" in listing
    page = admin.get("/admin/forms/format_check").get_data(as_text=True)
    assert 'id="form-designer"' in page and "form-editor.umd.js" in page
    # The preview is the task page's own fields.
    assert 'name="so_hieu"' in page and 'type="checkbox" id="f-dung_the_thuc"' in page

    unchanged = json.dumps(FORMAT_CHECK)
    status, _, _ = _post(
        admin, "/admin/forms/format_check", "/admin/forms/format_check", name="Kiểm tra thể thức", schema=unchanged
    )
    assert status == 302 and _count(runtime) == 1
    changed = json.dumps(format_check_v2())
    status, location, _ = _post(
        admin, "/admin/forms/format_check", "/admin/forms/format_check", name="Kiểm tra thể thức", schema=changed
    )
    assert (status, location) == (302, "/admin/forms/format_check")
    page = admin.get("/admin/forms/format_check").get_data(as_text=True)
    assert "designed:format_check:2" in page and "Người kiểm tra" in page
    old = admin.get("/admin/forms/format_check?version=1").get_data(as_text=True)
    assert "Người kiểm tra" not in old.split('id="form-preview"')[1].split("</section>")[0]
    with unit_of_work(runtime.sessions) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.tag == designed.AUDIT_TAG)).all()
        assert [(e.actor, e.after["version"]) for e in events] == [(ADMIN, 1), (ADMIN, 2)]
    download = admin.get("/admin/forms/format_check/v1.json")
    assert download.status_code == 200 and download.get_json() == FORMAT_CHECK


def test_a_bad_design_is_refused_naming_each_component_and_nothing_is_stored(app: Flask, runtime: Runtime) -> None:
    admin = signed_in(app, ADMIN)
    bad = {
        "components": [
            {"type": "button", "key": "gui", "label": "Gửi"},
            {"type": "textfield", "key": "2x", "label": "X"},
        ]
    }
    status, _, page = _post(
        admin, "/admin/forms/new", "/admin/forms/new", key="kiem_tra", name="Kiểm tra", schema=json.dumps(bad)
    )
    assert status == 422
    assert "Chưa lưu được biểu mẫu: 2 lỗi" in page
    assert "Loại thành phần “button” chưa được hỗ trợ" in page and "<strong>2x (X)</strong>: Khóa phải bắt đầu" in page
    status, _, page = _post(admin, "/admin/forms/new", "/admin/forms/new", key="kiem_tra", name="K", schema="{not json")
    assert status == 422 and "Không đọc được JSON của thiết kế." in page
    status, _, page = _post(
        admin, "/admin/forms/new", "/admin/forms/new", key="Kiểm tra", name="K", schema=json.dumps(FORMAT_CHECK)
    )
    assert status == 422 and "Mã biểu mẫu phải bắt đầu bằng chữ thường" in page
    assert _count(runtime) == 0
    assert _create(admin, FORMAT_CHECK) == 302
    status, _, page = _post(
        admin, "/admin/forms/new", "/admin/forms/new", key="format_check", name="K", schema=json.dumps(FORMAT_CHECK)
    )
    assert status == 422 and "Mã biểu mẫu “format_check” đã có" in page
    too_big = json.dumps({"components": [], "pad": "x" * (designed.MAX_BYTES + 20_000)})
    status, _, page = _post(admin, "/admin/forms/new", "/admin/forms/new", key="big", name="K", schema=too_big)
    assert status == 422 and "Thiết kế lớn hơn 200,000 byte." in page and _count(runtime) == 1


def test_labels_are_escaped_wherever_they_are_shown(app: Flask) -> None:
    admin = signed_in(app, ADMIN)
    design = {"components": [{"type": "textfield", "key": "x", "label": "<script>alert(1)</script>"}]}
    assert _create(admin, design, key="xss", name="<b>Tên</b>") == 302
    for url in ("/admin/forms", "/admin/forms/xss"):
        page = admin.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<b>Tên</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin.get("/admin/forms/xss").get_data(as_text=True)


def test_auditors_read_officers_may_not_and_no_one_saves_without_the_token(app: Flask, runtime: Runtime) -> None:
    assert _create(signed_in(app, ADMIN), FORMAT_CHECK) == 302
    auditor = signed_in(app, AUDITOR)
    assert auditor.get("/admin/forms").status_code == 200
    page = auditor.get("/admin/forms/format_check").get_data(as_text=True)
    assert 'id="form-preview"' in page and 'id="form-designer-form"' not in page
    assert auditor.get("/admin/forms.json").status_code == 200
    assert auditor.get("/admin/forms/new").status_code == 403
    token = csrf_token(auditor.get("/inbox").get_data(as_text=True))
    refused = auditor.post("/admin/forms/format_check", data={"csrf_token": token, "name": "x", "schema": "{}"})
    assert refused.status_code == 403
    officer = signed_in(app, SPECIALIST)
    assert officer.get("/admin/forms").status_code == 403 and officer.get("/admin/forms.json").status_code == 403
    admin = signed_in(app, ADMIN)
    no_token = admin.post("/admin/forms/new", data={"key": "k", "name": "K", "schema": json.dumps(FORMAT_CHECK)})
    assert no_token.status_code == 400
    assert _count(runtime) == 1
    assert admin.get("/admin/forms/editor/../../package.json").status_code == 404
    assert admin.get("/admin/forms/editor/form-playground.umd.js").status_code == 404


def test_the_form_keys_list_names_coded_and_designed_forms(app: Flask) -> None:
    admin = signed_in(app, ADMIN)
    _create(admin, FORMAT_CHECK)
    forms = admin.get("/admin/forms.json").get_json()["forms"]
    keys = {f["key"]: f for f in forms}
    assert keys["draft"]["kind"] == "coded"
    assert keys["designed:format_check:1"] == {
        "key": "designed:format_check:1",
        "name": "Kiểm tra thể thức (v1)",
        "kind": "designed",
        "form": "format_check",
        "version": 1,
    }


def _designed_task(app: Flask, runtime: Runtime) -> TaskRow:
    assert _create(signed_in(app, ADMIN), FORMAT_CHECK) == 302
    with unit_of_work(runtime.sessions) as session:
        engine = Engine(session, runtime.services)
        engine.deploy(one_step_process("format_check_flow", "designed:format_check:1"), "f.bpmn", ADMIN)
        (task,) = engine.start("format_check_flow", HEAD, {"unit": DIVISION}).new_tasks
        return task


def test_the_task_page_in_english_shows_the_english_labels_as_given(app: Flask, runtime: Runtime) -> None:
    task = _designed_task(app, runtime)
    specialist = signed_in(app, SPECIALIST)
    specialist.post("/lang/en", data={"csrf_token": csrf_token(specialist.get("/inbox").get_data(as_text=True))})
    page = specialist.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert '<label for="f-so_hieu">Number and notation<span class="req"' in page
    assert '<label for="f-nhan_xet">Nhận xét</label>' in page  # no English label given: the one there is
    token = csrf_token(page)
    refused = specialist.post(f"/tasks/{task.id}", data={"csrf_token": token, **GOOD_POST, "so_trang": "0"})
    assert refused.status_code == 422 and "Must be at least 1." in refused.get_data(as_text=True)


def test_the_task_page_draws_a_designed_form_and_the_server_checks_it(app: Flask, runtime: Runtime) -> None:
    task = _designed_task(app, runtime)
    task_id = task.id
    specialist = signed_in(app, SPECIALIST)
    page = specialist.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert '<label for="f-so_hieu">Số, ký hiệu<span class="req" aria-hidden="true"> *</span></label>' in page
    assert '<p class="hint" id="f-so_hieu-hint">Ví dụ: 57/SNN-VP</p>' in page
    assert 'min="1" max="40"' in page and '<option value="sua" >Phải sửa</option>' in page
    bad = {**GOOD_POST, "so_hieu": "SNN/57", "so_trang": "99", "han_sua": "2001-01-01"}
    del bad["dung_the_thuc"]
    token = csrf_token(page)
    response = specialist.post(f"/tasks/{task_id}", data={"csrf_token": token, **bad})
    assert response.status_code == 422
    errors = response.get_data(as_text=True)
    for text in (
        "Không đúng định dạng yêu cầu.",
        "Phải nhỏ hơn hoặc bằng 40.",
        "Cần đánh dấu ô này.",
        "Ngày không được trước hôm nay (06/03/2023).",
    ):
        assert text in errors, text
    assert 'value="SNN/57"' in errors  # what was typed is kept
    response = specialist.post(f"/tasks/{task_id}", data={"csrf_token": token, **GOOD_POST})
    assert response.status_code == 302
    with unit_of_work(runtime.sessions) as session:
        data = Engine(session, runtime.services).data(task.instance_id)
    assert {k: data[k] for k in ("so_hieu", "so_trang", "dung_the_thuc", "loi")} == {
        "so_hieu": "57/SNN-VP",
        "so_trang": 2,
        "dung_the_thuc": True,
        "loi": ["the_thuc"],
    }
    assert re.search(r"nhan_xet", json.dumps(data))
