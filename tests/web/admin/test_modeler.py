"""The modeler's endpoints: the page, the lists its panel offers, validating and saving drafts.

Administrators only, on the server; bad input is named in Vietnamese and stores nothing; two saves
of the same draft from the same revision: one wins, the other is told of the conflict.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.web.case_helpers import signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from web.core.composition import Runtime
from web.core.db import unit_of_work
from web.core.models import ProcessDraft
from workflows.directive import scenario

ADMIN, AUDITOR = "quantri", "kiemtra"
LIFECYCLE = "directive_lifecycle.bpmn"


def _admin(app: Flask, username: str = ADMIN) -> tuple[FlaskClient, str]:
    client = signed_in(app, username)
    page = client.get("/admin/modeler/directive_lifecycle/v1")
    assert page.status_code == 200
    return client, csrf_token(page.get_data(as_text=True))


def _lifecycle(runtime: Runtime) -> str:
    return (runtime.settings.bpmn_dir / LIFECYCLE).read_text(encoding="utf-8")


def _post(client: FlaskClient, url: str, token: str | None, **fields: str) -> tuple[int, dict[str, object]]:
    headers = {"X-CSRFToken": token} if token else {}
    response = client.post(url, data=fields, headers=headers)
    return response.status_code, (response.get_json(silent=True) or {})


def _drafts(runtime: Runtime) -> list[ProcessDraft]:
    with unit_of_work(runtime.sessions) as session:
        rows = list(session.scalars(select(ProcessDraft).order_by(ProcessDraft.id)))
        session.expunge_all()
        return rows


def _events(runtime: Runtime, tag: str) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == tag)) or 0


def test_only_administrators_open_the_modeler_and_its_endpoints(app: Flask, runtime: Runtime) -> None:
    xml = _lifecycle(runtime)
    for username in (AUDITOR, scenario.SPECIALIST):
        other = signed_in(app, username)
        for url in (
            "/admin/modeler/directive_lifecycle/v1",
            "/admin/modeler/new",
            "/admin/modeler/roles.json",
            "/admin/modeler/forms.json",
            "/admin/modeler/processes.json",
        ):
            assert other.get(url).status_code == 403, (username, url)
        token = csrf_token(other.get("/").get_data(as_text=True))
        assert _post(other, "/admin/modeler/validate", token, xml=xml)[0] == 403
        assert _post(other, "/admin/modeler/drafts", token, xml=xml)[0] == 403
    assert _drafts(runtime) == []
    assert "Sửa quy trình trong trình soạn thảo" not in signed_in(app, AUDITOR).get("/admin/processes").get_data(
        as_text=True
    )


def test_the_page_loads_its_script_and_lists_what_the_panel_offers(app: Flask) -> None:
    client, _token = _admin(app)
    page = client.get("/admin/modeler/directive_lifecycle/v1").get_data(as_text=True)
    assert 'src="/static/build/modeler.js"' in page and "<script>" not in page
    assert 'data-xml-url="/admin/processes/directive_lifecycle/v1.bpmn"' in page
    assert 'action="/admin/processes/deploy/preview"' in page
    assert client.get("/admin/modeler/directive_lifecycle/v99").status_code == 404

    roles = client.get("/admin/modeler/roles.json").get_json()
    assert {"value": "clerk", "label": "Văn thư (clerk)"} in roles
    assert {r["value"] for r in roles} >= {"director", "specialist", "division_head", "unit_officer"}
    forms = {f["value"] for f in client.get("/admin/modeler/forms.json").get_json()}
    assert {"register_incoming", "draft", "unit_report"} <= forms
    processes = {p["value"] for p in client.get("/admin/modeler/processes.json").get_json()}
    assert {"directive_lifecycle", "unit_execution", "reminder_round"} <= processes


def test_the_shipped_lifecycle_validates_clean(app: Flask, runtime: Runtime) -> None:
    client, token = _admin(app)
    status, answer = _post(client, "/admin/modeler/validate", token, xml=_lifecycle(runtime))
    assert status == 200 and answer == {"ok": True, "problems": []}


def test_validating_names_each_problem_with_its_element(app: Flask, runtime: Runtime) -> None:
    client, token = _admin(app)
    xml = _lifecycle(runtime)
    broken = (
        xml.replace('<bpmn:lane id="office"', '<bpmn:lane id="nobody"', 1)
        .replace('value="draft"/>', 'value="no_such_form"/>', 1)
        .replace('decision == "return"<', "decision ==<", 1)
    )
    assert broken.count("nobody") == 1 and "no_such_form" in broken and "decision ==<" in broken
    status, answer = _post(client, "/admin/modeler/validate", token, xml=broken)
    assert status == 200 and answer["ok"] is False
    problems = answer["problems"]
    assert isinstance(problems, list)
    by_message = {p["message"]: p for p in problems}
    lane = by_message["the lane 'nobody' is not a role of the org chart"]
    assert lane["element_id"] == "check_format" and "specialist" in lane["hint"]
    form = by_message["the form 'no_such_form' does not exist"]
    assert form["element_id"] == "draft" and form["element_name"] == "Dự thảo công văn"
    condition = [p for p in problems if "condition" in p["message"]]
    assert condition and condition[0]["element_id"], problems
    assert _drafts(runtime) == []


def test_bad_input_is_named_in_vietnamese_and_stores_nothing(app: Flask, runtime: Runtime) -> None:
    client, token = _admin(app)
    status, answer = _post(client, "/admin/modeler/validate", token, xml="  ")
    assert status == 400 and answer["field"] == "xml" and "chưa có nội dung" in str(answer["error"])
    status, answer = _post(client, "/admin/modeler/drafts", token, xml="<not-bpmn/>")
    assert status == 400 and answer["field"] == "xml" and "không đọc được quy trình" in str(answer["error"])
    status, answer = _post(client, "/admin/modeler/drafts", token, xml=_lifecycle(runtime), base_version="x1")
    assert status == 400 and answer["field"] == "base_version"
    status, answer = _post(client, "/admin/modeler/drafts", token, xml=_lifecycle(runtime), note="n" * 501)
    assert status == 400 and answer["field"] == "note" and "Ghi chú" in str(answer["error"])
    huge = "<x>" + " " * (5 * 1024 * 1024) + "</x>"
    status, answer = _post(client, "/admin/modeler/validate", token, xml=huge)
    assert status == 413 and "lớn hơn 5 MB" in str(answer["error"])
    assert _post(client, "/admin/modeler/drafts", None, xml=_lifecycle(runtime))[0] == 400  # no CSRF token
    assert _drafts(runtime) == [] and _events(runtime, "web:process:draft_saved") == 0


def test_drafts_save_reopen_and_conflict(app: Flask, runtime: Runtime) -> None:
    first, token = _admin(app)
    xml = _lifecycle(runtime)
    status, saved = _post(first, "/admin/modeler/drafts", token, xml=xml, note="thêm bước", base_version="1")
    assert status == 201 and saved["revision"] == 1 and saved["process_key"] == "directive_lifecycle"
    draft_id = str(saved["draft_id"])

    # Two administrators opened revision 1: the first save wins, the second is told and stores nothing.
    second = signed_in(app, ADMIN)
    second_token = csrf_token(second.get(f"/admin/modeler/drafts/{draft_id}").get_data(as_text=True))
    changed = xml.replace('name="Ký duyệt"', 'name="Ký duyệt văn bản"', 1)
    status, won = _post(
        first, "/admin/modeler/drafts", token, xml=changed, draft_id=draft_id, revision="1", note="thêm bước ký"
    )
    assert status == 200 and won["revision"] == 2
    status, lost = _post(second, "/admin/modeler/drafts", second_token, xml=xml, draft_id=draft_id, revision="1")
    assert status == 409 and lost["field"] == "revision" and "Không có gì được lưu" in str(lost["error"])
    [draft] = _drafts(runtime)
    assert draft.revision == 2 and "Ký duyệt văn bản" in draft.bpmn_xml and draft.base_version == 1
    assert _events(runtime, "web:process:draft_saved") == 2

    status, missing = _post(first, "/admin/modeler/drafts", token, xml=xml, draft_id="999", revision="1")
    assert status == 404 and missing["field"] == "draft_id"

    listing = first.get("/admin/processes").get_data(as_text=True)
    assert f'href="/admin/modeler/drafts/{draft_id}"' in listing and "thêm bước ký" in listing
    page = first.get(f"/admin/modeler/drafts/{draft_id}").get_data(as_text=True)
    assert re.search(r'data-revision="2"', page) and f'data-xml-url="/admin/modeler/drafts/{draft_id}.bpmn"' in page
    assert first.get(f"/admin/modeler/drafts/{draft_id}.bpmn").get_data(as_text=True) == changed

    # Thrown away from the processes page: gone, audited, a second time it is not found.
    listing_token = csrf_token(listing)
    auditor = signed_in(app, AUDITOR)
    auditor_token = csrf_token(auditor.get("/").get_data(as_text=True))
    assert (
        auditor.post(f"/admin/modeler/drafts/{draft_id}/delete", data={"csrf_token": auditor_token}).status_code == 403
    )
    assert first.post(f"/admin/modeler/drafts/{draft_id}/delete", data={}).status_code == 400  # no CSRF token
    assert len(_drafts(runtime)) == 1
    deleted = first.post(f"/admin/modeler/drafts/{draft_id}/delete", data={"csrf_token": listing_token})
    assert deleted.status_code == 302 and deleted.headers["Location"].endswith("/admin/processes#modeler-drafts")
    assert f"Đã xóa bản nháp số {draft_id} (directive_lifecycle)." in first.get("/admin/processes").get_data(
        as_text=True
    )
    assert _drafts(runtime) == [] and _events(runtime, "web:process:draft_deleted") == 1
    assert first.post(f"/admin/modeler/drafts/{draft_id}/delete", data={"csrf_token": listing_token}).status_code == 404


def test_the_invented_organisation_offers_its_own_roles(invented_app: tuple[Flask, Runtime]) -> None:
    app, _runtime = invented_app
    client = signed_in(app, invented.ADMIN)
    roles = client.get("/admin/modeler/roles.json").get_json()
    assert {"value": "leader", "label": "Lãnh đạo Sở (leader)"} in roles
    assert client.get("/admin/modeler/new").status_code == 200
