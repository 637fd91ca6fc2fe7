"""Hồ sơ đang chạy: the administrator lists and filters cases, holds, releases and cancels one with a
reason, hands over a task, and migrates cases to another version; auditors only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, TaskRow
from tests.web.audit.conftest import returned_in_invented
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from workflows.directive import scenario

ADMIN, AUDITOR, SPECIALIST, OTHER_SPECIALIST = "quantri", "kiemtra", "cv.hvd", "cv.ntm"
BPMN = Path(__file__).resolve().parents[3] / "bpmn" / "directive_lifecycle.bpmn"


@pytest.fixture
def case_id(runtime: Runtime, clock: ManualClock) -> int:
    """The reference letter registered and instructed: the case waits at the specialist's draft."""
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    assert r.case_id is not None
    return r.case_id


def _status(runtime: Runtime, instance_id: int) -> tuple[str, int]:
    with unit_of_work(runtime.sessions) as session:
        row = session.get_one(ProcessInstance, instance_id)
        return row.status, row.version


def _events(runtime: Runtime, tag: str) -> list[AuditEvent]:
    with unit_of_work(runtime.sessions) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.tag == tag).order_by(AuditEvent.id)))


def _draft_task(runtime: Runtime, case_id: int) -> TaskRow:
    with unit_of_work(runtime.sessions) as session:
        return session.scalars(select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.state == "ready")).one()


def test_the_list_filters_and_names_a_bad_field(app: Flask, case_id: int) -> None:
    """The case is listed under its filters, not under others; a wrong day or a version without its process is named."""
    admin = signed_in(app, ADMIN)
    page = admin.get("/admin/cases?status=running&process=directive_lifecycle&version=1&q=2104").get_data(as_text=True)
    assert f'data-instance="{case_id}"' in page and "2104-CV/BTGTU" in page
    assert f'href="/cases/{case_id}/timeline"' in page
    assert f'data-instance="{case_id}"' not in admin.get("/admin/cases?status=suspended").get_data(as_text=True)
    assert f'data-instance="{case_id}"' not in admin.get("/admin/cases?from=07/03/2023").get_data(as_text=True)
    assert f'data-instance="{case_id}"' in admin.get("/admin/cases?from=06/03/2023&to=06/03/2023").get_data(
        as_text=True
    )
    bad = admin.get("/admin/cases?from=31/02/2023&version=2")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'id="f-from-error"' in text and "dd/mm/yyyy" in text
    assert 'id="f-version-error"' in text and "Chọn quy trình trước khi chọn phiên bản." in text
    reversed_days = admin.get("/admin/cases?from=08/03/2023&to=06/03/2023").get_data(as_text=True)
    assert "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu." in reversed_days


def test_the_administrator_suspends_with_a_reason_and_a_stale_form_is_a_conflict(
    app: Flask, runtime: Runtime, case_id: int
) -> None:
    """No reason: named at its field, nothing stored. With one: suspended and audited. A second
    administrator's form drawn before: refused as a conflict, one event only. Then resumed and cancelled."""
    first, second = signed_in(app, ADMIN), signed_in(app, ADMIN)
    page = first.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    stale = second.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    _status_before, version = _status(runtime, case_id)
    form = {"csrf_token": csrf_token(page), "version": str(version), "suspend_reason": "  "}
    blank = first.post(f"/admin/cases/{case_id}/suspend", data=form)
    assert blank.status_code == 400 and "Nhập lý do (bắt buộc)." in blank.get_data(as_text=True)
    assert _status(runtime, case_id) == ("running", version)

    done = first.post(f"/admin/cases/{case_id}/suspend", data={**form, "suspend_reason": "Chờ ý kiến Giám đốc"})
    assert done.status_code == 302 and _status(runtime, case_id)[0] == "suspended"
    again = second.post(
        f"/admin/cases/{case_id}/suspend",
        data={"csrf_token": csrf_token(stale), "version": str(version), "suspend_reason": "Tôi cũng tạm dừng"},
    )
    assert again.status_code == 409 and "vừa được người khác thay đổi" in again.get_data(as_text=True)
    (held,) = _events(runtime, "engine:instance:suspended")
    assert (held.actor, held.comment) == (ADMIN, "Chờ ý kiến Giám đốc")

    page = first.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert 'id="form-resume"' in page and 'id="form-suspend"' not in page
    _, version = _status(runtime, case_id)
    resumed = first.post(
        f"/admin/cases/{case_id}/resume", data={"csrf_token": csrf_token(page), "version": str(version)}
    )
    assert resumed.status_code == 302 and _status(runtime, case_id)[0] == "running"
    _, version = _status(runtime, case_id)
    cancel = {"csrf_token": csrf_token(page), "version": str(version), "cancel_reason": "Văn bản đến bị thu hồi"}
    assert first.post(f"/admin/cases/{case_id}/cancel", data=cancel).status_code == 302
    assert _status(runtime, case_id)[0] == "cancelled"
    assert _events(runtime, "engine:instance:cancelled")[0].comment == "Văn bản đến bị thu hồi"


def test_the_administrator_hands_over_an_open_task(app: Flask, runtime: Runtime, case_id: int) -> None:
    """To a specialist of the division, with a reason; no reason or no one chosen is named at its field."""
    task = _draft_task(runtime, case_id)
    admin = signed_in(app, ADMIN)
    page = admin.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert f'data-task="{task.id}"' in page and f'value="{OTHER_SPECIALIST}"' in page
    url = f"/admin/cases/{case_id}/tasks/{task.id}/reassign"
    form = {"csrf_token": csrf_token(page), "task_version": str(task.version)}
    missing = admin.post(url, data=form)
    text = missing.get_data(as_text=True)
    assert missing.status_code == 400 and "Chọn người nhận việc." in text and "Nhập lý do (bắt buộc)." in text
    outsider = admin.post(url, data={**form, f"to_{task.id}": "vanthu", f"reason_{task.id}": "Thử"})
    assert outsider.status_code == 400 and "không giữ vai trò" in outsider.get_data(as_text=True)
    assert _draft_task(runtime, case_id).assignee is None
    handed = admin.post(url, data={**form, f"to_{task.id}": OTHER_SPECIALIST, f"reason_{task.id}": "Nghỉ phép"})
    assert handed.status_code == 302
    assert _draft_task(runtime, case_id).assignee == OTHER_SPECIALIST
    (event,) = _events(runtime, "engine:task:reassigned")
    assert (event.actor, event.comment, event.after["assignee"]) == (ADMIN, "Nghỉ phép", OTHER_SPECIALIST)


def test_auditors_read_the_list_and_change_nothing_officers_see_nothing(
    app: Flask, runtime: Runtime, case_id: int
) -> None:
    """The auditor opens the list and the case without forms, and a POST is refused; an officer gets 403."""
    auditor = signed_in(app, AUDITOR)
    assert f'data-instance="{case_id}"' in auditor.get("/admin/cases").get_data(as_text=True)
    page = auditor.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert 'id="form-suspend"' not in page and "reassign" not in page
    _, version = _status(runtime, case_id)
    token = csrf_token(auditor.get("/").get_data(as_text=True))
    refused = auditor.post(
        f"/admin/cases/{case_id}/suspend", data={"csrf_token": token, "version": version, "suspend_reason": "x"}
    )
    assert refused.status_code == 403
    assert auditor.get("/admin/cases/migrate").status_code == 403
    officer = signed_in(app, SPECIALIST)
    assert officer.get("/admin/cases").status_code == 403
    assert officer.get(f"/admin/cases/{case_id}").status_code == 403
    assert _status(runtime, case_id) == ("running", version)


def test_a_migration_dry_run_then_the_real_one(app: Flask, runtime: Runtime, clock: ManualClock, case_id: int) -> None:
    """v2 renames the draft step: the running case can move, a suspended one cannot (named why); confirmed, it moves."""
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    held = r.case_id or 0
    with engine_transactions(runtime)() as engine:
        engine.suspend(held, ADMIN, "Chờ")
        xml = BPMN.read_text(encoding="utf-8").replace('name="Dự thảo công văn"', 'name="Soạn thảo công văn"', 1)
        engine.deploy(xml.encode("utf-8"), "directive_lifecycle.bpmn", ADMIN)
    with unit_of_work(runtime.sessions) as session:
        versions = session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.key == "directive_lifecycle")
        ).all()
    old, new = min(versions), max(versions)
    admin = signed_in(app, ADMIN)
    query = f"/admin/cases/migrate?process=directive_lifecycle&from_version={old}&to_version={new}"
    page = admin.get(query).get_data(as_text=True)
    assert "1 trong 2 hồ sơ chuyển được" in page
    assert "Dự thảo công văn" in page and "Hồ sơ đang tạm dừng: cho hồ sơ tiếp tục rồi chuyển." in page
    assert _events(runtime, "engine:instance:migrated") == []
    same = admin.get(f"/admin/cases/migrate?process=directive_lifecycle&from_version={old}&to_version={old}")
    assert same.status_code == 400 and "Phiên bản đích phải khác" in same.get_data(as_text=True)

    form = {
        "csrf_token": csrf_token(page),
        "process": "directive_lifecycle",
        "from_version": str(old),
        "to_version": str(new),
        "instance": [str(case_id), str(held)],
    }
    done = admin.post("/admin/cases/migrate", data=form)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Đã chuyển 1 hồ sơ; 1 hồ sơ giữ nguyên phiên bản cũ." in text
    with unit_of_work(runtime.sessions) as session:
        moved, stayed = session.get_one(ProcessInstance, case_id), session.get_one(ProcessInstance, held)
        assert session.get_one(ProcessDefinition, moved.definition_id).version == new
        assert session.get_one(ProcessDefinition, stayed.definition_id).version == old
    assert _draft_task(runtime, case_id).title == "Soạn thảo công văn"
    (event,) = _events(runtime, "engine:instance:migrated")
    assert (event.instance_id, event.before["version"], event.after["version"]) == (case_id, old, new)


def test_the_invented_agency_administers_its_cases_the_same_way(
    invented_app: tuple[Flask, Runtime], clock: ManualClock
) -> None:
    """Another organisation's administrator lists its case, holds it with a reason and hands over its task."""
    app, runtime = invented_app
    r = returned_in_invented(runtime, clock, "Bổ sung căn cứ")
    case = r.case_id or 0
    admin = signed_in(app, invented.ADMIN)
    listed = admin.get(f"/admin/cases?unit={invented.STAFFED}&status=running")
    assert listed.status_code == 200 and f'data-instance="{case}"' in listed.get_data(as_text=True)
    page = admin.get(f"/admin/cases/{case}").get_data(as_text=True)
    _, version = _status(runtime, case)
    held = admin.post(
        f"/admin/cases/{case}/suspend",
        data={"csrf_token": csrf_token(page), "version": str(version), "suspend_reason": "Chờ ý kiến"},
    )
    assert held.status_code == 302 and _status(runtime, case)[0] == "suspended"
    assert _events(runtime, "engine:instance:suspended")[0].actor == invented.ADMIN


def test_bad_addresses_and_input_are_named_or_not_found_never_an_error(
    app: Flask, runtime: Runtime, case_id: int
) -> None:
    """Unknown cases and tasks answer 404; each wrong filter or migration field is named; nothing is stored."""
    admin = signed_in(app, ADMIN)
    page = admin.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    token = csrf_token(page)
    task = _draft_task(runtime, case_id)
    assert admin.get("/admin/cases/999999").status_code == 404
    assert (
        admin.post("/admin/cases/999999/suspend", data={"csrf_token": token, "suspend_reason": "x"}).status_code == 404
    )
    assert admin.post(f"/admin/cases/{case_id}/tasks/nope/reassign", data={"csrf_token": token}).status_code == 404
    listed = admin.get("/admin/cases?unit=KHONG_CO&status=la&version=abc&process=nope")
    text = listed.get_data(as_text=True)
    assert listed.status_code == 400
    for message in (
        "Đơn vị không tồn tại.",
        "Trạng thái không hợp lệ.",
        "Phiên bản là một số nguyên dương, ví dụ 2.",
        "Quy trình không tồn tại.",
    ):
        assert message in text
    unknown = admin.get("/admin/cases/migrate?process=directive_lifecycle&from_version=9&to_version=1")
    assert unknown.status_code == 400 and "Phiên bản này không có trong quy trình đã chọn." in unknown.get_data(
        as_text=True
    )
    nothing = admin.post(
        "/admin/cases/migrate",
        data={"csrf_token": token, "process": "directive_lifecycle", "from_version": "1", "to_version": "1"},
    )
    assert nothing.status_code == 400 and "Phiên bản đích phải khác" in nothing.get_data(as_text=True)
    no_token = admin.post(f"/admin/cases/{case_id}/suspend", data={"version": "1", "suspend_reason": "x"})
    assert no_token.status_code == 400
    assert _status(runtime, case_id)[0] == "running" and _draft_task(runtime, case_id).assignee == task.assignee
    assert _events(runtime, "engine:instance:suspended") == []
