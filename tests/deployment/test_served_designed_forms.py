"""Served: a form designed in the browser, a process deployed beside the server that uses it, its task done over HTTP.

On `directive-flow serve` (two web workers, neither of which has seen the form before) the
administrator saves a form through /admin/forms; `directive-flow deploy` refuses a process naming a
version that does not exist and deploys one naming version 1; the specialist's task page draws the
designed fields, bad data comes back with Vietnamese messages at its fields and changes nothing,
good data completes the step with the cleaned values in the case.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine.audit_keys import SESSION_KEYS, ensure_key_file
from engine.models import AuditEvent, ProcessDefinition, TaskRow
from engine.runtime import Engine
from tests.served import ServedApp
from tests.workflows.designed_forms_data import FORMAT_CHECK, GOOD_POST, one_step_process
from web import create_app, runtime_of
from web.core.cli import main
from web.core.composition import build_services
from web.core.db import make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.forms import designed

ADMIN, HEAD, SPECIALIST, DIVISION = "quantri", "tp.qlvhgd", "cv.hvd", "QLVHGD"


def _deploy(env: Mapping[str, str], path: Path) -> Result:
    apps: list[Flask] = []

    def factory() -> Flask:
        apps.append(create_app())
        return apps[-1]

    try:
        args = ["deploy", "--actor", ADMIN, str(path)]
        return CliRunner().invoke(main, args, env=dict(env), obj=ScriptInfo(create_app=factory))
    finally:
        for app in apps:
            runtime_of(app).db.dispose()


def test_a_designed_form_is_deployed_drawn_and_checked_on_the_served_application(
    served: ServedApp, tmp_path: Path
) -> None:
    admin = served.client(ADMIN)
    saved = admin.post_form(
        "/admin/forms/new",
        {"key": "format_check", "name": "Kiểm tra thể thức", "schema": json.dumps(FORMAT_CHECK)},
    )
    assert (saved.status, saved.location) == (302, "/admin/forms/format_check"), saved.text[:2000]
    listed = json.loads(admin.get("/admin/forms.json").text)["forms"]
    assert "designed:format_check:1" in {form["key"] for form in listed}

    operator = {**served.env}
    missing = tmp_path / "missing.bpmn"
    missing.write_bytes(one_step_process("format_check_flow", "designed:format_check:2"))
    refused = _deploy(operator, missing)
    assert refused.exit_code != 0
    assert "check (Kiểm tra thể thức): the form 'designed:format_check:2' does not exist" in refused.output
    good = tmp_path / "format_check_flow.bpmn"
    good.write_bytes(one_step_process("format_check_flow", "designed:format_check:1"))
    deployed = _deploy(operator, good)
    assert deployed.exit_code == 0, deployed.output

    settings = Settings.from_env(operator)
    sessions = make_session_factory(served.db)
    sessions.configure(info={SESSION_KEYS: ensure_key_file(settings.audit_keys_path)[0]})
    with unit_of_work(sessions) as session:
        (task,) = (
            Engine(session, build_services(settings)).start("format_check_flow", HEAD, {"unit": DIVISION}).new_tasks
        )
        task_id, instance_id = task.id, task.instance_id

    specialist = served.client(SPECIALIST)
    page = specialist.get(f"/tasks/{task_id}")
    assert page.status == 200 and 'name="so_hieu"' in page.text and "Phải sửa</option>" in page.text
    assert 'name="ty_le_loi"' in page.text and 'inputmode="decimal"' in page.text
    bad = {**GOOD_POST, "so_hieu": "", "so_trang": "0", "ty_le_loi": "12,55", "ket_luan": "khong_co"}
    del bad["dung_the_thuc"]
    answered = specialist.post_form(f"/tasks/{task_id}", bad)
    assert answered.status == 422
    for message in (
        "Trường bắt buộc.",
        "Phải lớn hơn hoặc bằng 1.",
        "Cần đánh dấu ô này.",
        'Giá trị không được phép: "khong_co".',
        "Tối đa 1 chữ số sau dấu thập phân.",
    ):
        assert message in html.unescape(answered.text), message
    with served.reading() as session:
        assert session.get(TaskRow, task_id).state == "ready"  # type: ignore[union-attr]

    done = specialist.post_form(f"/tasks/{task_id}", GOOD_POST)
    assert done.status == 302, done.text[:2000]
    with served.reading() as session:
        assert session.get(TaskRow, task_id).state == "completed"  # type: ignore[union-attr]
        data = Engine(session, build_services(settings)).data(instance_id)
        assert (data["so_hieu"], data["so_trang"], data["ty_le_loi"], data["dung_the_thuc"], data["han_sua"]) == (
            "57/SNN-VP",
            2,
            "12.5",
            True,
            "2099-01-05",
        )
        versions = session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.key == "format_check_flow")
        )
        assert list(versions) == [1]
        saved_events = session.scalars(select(AuditEvent.actor).where(AuditEvent.tag == designed.AUDIT_TAG))
        assert list(saved_events) == [ADMIN]
