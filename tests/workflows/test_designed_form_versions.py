"""A designed form's versions: a running case keeps the form it started with, deploys name forms that exist.

On the invented Sở (tests/workflows/invented_org.py): the administrator saves a form, deploys a
process whose step names its version 1, a case starts; the form is changed (version 2) and a new
process version names it. In a fresh runtime, as a restarted web worker has, the first case's step
is still checked against version 1 and the new case's against version 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import trail
from engine.clock import ManualClock
from engine.definitions import read_metadata
from engine.errors import DeploymentError, InvalidTaskData
from engine.models import AuditEvent, ProcessDefinition
from engine.runtime import Engine
from tests.workflows import invented_org as org
from tests.workflows.designed_forms_data import FORMAT_CHECK, format_check_v2, one_step_process
from tests.workflows.invented_org import invented_runtime
from web.core.composition import Runtime, build_services
from web.core.db import make_session_factory, unit_of_work
from workflows.deploy_checks import ProcessChecks
from workflows.forms import designed
from workflows.forms.base import FormRegistry
from workflows.forms.designed_models import DesignedForm
from workflows.orgchart.models import Role

ANSWERS = {"so_hieu": "57/SNN-VP", "so_trang": 2, "dung_the_thuc": True, "ket_luan": "dat"}


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with invented_runtime(tmp_path, clock) as runtime:
        yield runtime


def _save(runtime: Runtime, design: dict[str, object]) -> int:
    with unit_of_work(runtime.sessions) as session:
        row = designed.save(session, "format_check", "Kiểm tra thể thức", design, actor=org.ADMIN, at=_now(runtime))
        return row.version


def _now(runtime: Runtime) -> object:
    return runtime.services.clock.now()


def _deploy_and_start(runtime: Runtime, form_key: str) -> str:
    with unit_of_work(runtime.sessions) as session:
        engine = Engine(session, runtime.services)
        engine.deploy(one_step_process("format_check_flow", form_key), "format_check_flow.bpmn", org.ADMIN)
        started = engine.start("format_check_flow", org.HEAD, {"unit": org.STAFFED})
        (task,) = started.new_tasks
        assert (task.form_key, task.role, task.candidate_unit) == (form_key, "specialist", org.STAFFED)
        return task.id


def test_a_running_case_keeps_its_form_version_while_a_new_process_version_uses_the_next(
    runtime: Runtime, clock: ManualClock
) -> None:
    assert _save(runtime, FORMAT_CHECK) == 1
    first_task = _deploy_and_start(runtime, "designed:format_check:1")
    assert _save(runtime, format_check_v2()) == 2
    assert _save(runtime, format_check_v2()) == 2  # unchanged: no new version
    second_task = _deploy_and_start(runtime, "designed:format_check:2")

    # A process that has never seen either form, reading them from the database.
    fresh = Runtime(
        runtime.settings, runtime.db, make_session_factory(runtime.db), build_services(runtime.settings, clock)
    )
    with unit_of_work(fresh.sessions) as session:
        done = Engine(session, fresh.services).complete(first_task, org.SPECIALIST, ANSWERS)
        assert done.status == "completed"
    with pytest.raises(InvalidTaskData) as refused, unit_of_work(fresh.sessions) as session:
        Engine(session, fresh.services).complete(second_task, org.SPECIALIST, ANSWERS)
    assert [(e.field, e.label_vi, e.message_vi) for e in refused.value.errors] == [
        ("nguoi_kiem_tra", "Người kiểm tra", "Trường bắt buộc.")
    ]
    with unit_of_work(fresh.sessions) as session:
        engine = Engine(session, fresh.services)
        assert engine.task(second_task).state == "ready"  # the refusal changed nothing
        done = engine.complete(second_task, org.SPECIALIST, {**ANSWERS, "nguoi_kiem_tra": "Cao Văn Tâm"})
        assert done.status == "completed"
        assert engine.data(done.instance_id)["nguoi_kiem_tra"] == "Cao Văn Tâm"


def test_each_saved_version_is_audited_and_kept_as_it_was(runtime: Runtime) -> None:
    _save(runtime, FORMAT_CHECK)
    _save(runtime, format_check_v2())
    with unit_of_work(runtime.sessions) as session:
        rows = session.scalars(select(DesignedForm).order_by(DesignedForm.version)).all()
        assert [(r.version, len(r.schema_json["components"])) for r in rows] == [(1, 9), (2, 10)]
        events = session.scalars(select(AuditEvent).where(AuditEvent.tag == designed.AUDIT_TAG)).all()
        assert [(e.actor, e.after["version"], e.after["key"]) for e in events] == [
            (org.ADMIN, 1, "format_check"),
            (org.ADMIN, 2, "format_check"),
        ]
        assert trail(session, 0) == []  # agency events belong to no case


def test_a_design_with_problems_is_refused_and_nothing_is_stored(runtime: Runtime) -> None:
    bad = {"components": [{"type": "button", "key": "gui", "label": "Gửi"}]}
    with pytest.raises(designed.DesignInvalid) as refused, unit_of_work(runtime.sessions) as session:
        designed.save(session, "format_check", "Kiểm tra", bad, actor=org.ADMIN, at=_now(runtime))
    assert "gui (Gửi): Loại thành phần “button” chưa được hỗ trợ" in str(refused.value)
    with pytest.raises(designed.DesignInvalid, match="Mã biểu mẫu"), unit_of_work(runtime.sessions) as session:
        designed.save(session, "Kiểm-tra", "Kiểm tra", FORMAT_CHECK, actor=org.ADMIN, at=_now(runtime))
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(DesignedForm)) == 0


@pytest.mark.parametrize(
    ("form_key", "lane", "expected"),
    [
        (
            "designed:format_check:9",
            "specialist",
            "check (Kiểm tra thể thức): the form 'designed:format_check:9' does not exist "
            "(save the form under Biểu mẫu first, or name a version that exists)",
        ),
        ("no_such_form", "specialist", "check (Kiểm tra thể thức): the form 'no_such_form' does not exist"),
        ("designed:format_check:1", "thanh_tra", "check (Kiểm tra thể thức): the lane 'thanh_tra' is not a role"),
    ],
)
def test_deploy_is_refused_when_a_user_task_names_an_unknown_form_or_lane(
    runtime: Runtime, form_key: str, lane: str, expected: str
) -> None:
    _save(runtime, FORMAT_CHECK)
    with pytest.raises(DeploymentError) as refused, unit_of_work(runtime.sessions) as session:
        Engine(session, runtime.services).deploy(
            one_step_process("format_check_flow", form_key, lane=lane), "format_check_flow.bpmn", org.ADMIN
        )
    assert any(problem.startswith(expected) for problem in refused.value.problems), refused.value.problems
    with unit_of_work(runtime.sessions) as session:
        stored = session.scalar(select(func.count()).where(ProcessDefinition.key == "format_check_flow"))
        assert stored == 0


def test_lanes_are_judged_only_against_a_chart_that_declares_roles(db_session: Session) -> None:
    """Before any chart is loaded there is nothing to judge a lane by; an unknown form is refused all the same."""
    metadata = read_metadata(etree.fromstring(one_step_process("flow", "no_such_form", lane="thanh_tra")), "flow")
    problems = ProcessChecks(FormRegistry())(db_session, "flow", metadata)
    assert [(p.element_id, p.message) for p in problems] == [("check", "the form 'no_such_form' does not exist")]
    db_session.add(Role(code="specialist", name="Chuyên viên"))
    db_session.flush()
    problems = ProcessChecks(FormRegistry())(db_session, "flow", metadata)
    assert [p.message for p in problems] == [
        "the form 'no_such_form' does not exist",
        "the lane 'thanh_tra' is not a role of the org chart",
    ]
    assert problems[1].hint == "name the lane after a role of the org chart: specialist"
