"""In the browser: the director is told at the field that a division has nobody to do the work, and a
step that would reach nobody answers with a page saying who is missing, not a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.case_helpers import signed_in
from tests.web.task_helpers import field_block, ready, submit, task_row
from tests.workflows import invented_org as org
from tests.workflows.lifecycle_helpers import rehearsal
from web import create_app
from web.accounts.users import give_demo_passwords
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.directive.rehearsal import Rehearsal


@pytest.fixture
def invented(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with org.invented_runtime(tmp_path, clock) as runtime:
        yield runtime


@pytest.fixture
def invented_app(invented: Runtime) -> Flask:
    """The application on the invented organisation, its users with the demo password."""
    with unit_of_work(invented.sessions) as session:
        give_demo_passwords(session)
    application = create_app(runtime=invented)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def r(invented: Runtime, clock: ManualClock) -> Rehearsal:
    """The letter registered; the director's instruction waits."""
    r = rehearsal(invented, clock)
    r.start("directive_lifecycle", org.CLERK)
    r.do(org.CLERK, "register_incoming", org.LETTER)
    return r


def _director(app: Flask) -> FlaskClient:
    return signed_in(app, org.DIRECTOR)


def test_a_division_with_no_specialist_is_refused_at_the_field(
    invented_app: Flask, invented: Runtime, r: Rehearsal
) -> None:
    """Phòng Thủy lợi has a head but no specialist: offered marked as such; chosen anyway, 422 with the
    message at "Đơn vị chủ trì", the task still open."""
    task = ready(invented, r.case_id or 0, "instruct")
    client = _director(invented_app)
    offered = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'<option value="{org.STAFFED}" >Phòng Trồng trọt</option>' in offered
    assert f'<option value="{org.NO_SPECIALIST}" >Phòng Thủy lợi (chưa đủ người để giao chủ trì)</option>' in offered
    assert f'<option value="{org.NO_HEAD}" >Phòng Chăn nuôi (chưa đủ người để giao chủ trì)</option>' in offered
    response = submit(client, task.id, {**org.INSTRUCTION, "lead_division": org.NO_SPECIALIST})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    message = "Phòng Thủy lợi chưa có chuyên viên để giao việc"
    assert message in field_block(page, "f-lead_division")
    assert f'<a href="#f-lead_division">Đơn vị chủ trì: {message}' in page
    assert task_row(invented, task.id).state == "ready"
    assert submit(client, task.id, org.INSTRUCTION).status_code == 302
    assert ready(invented, r.case_id or 0, "draft").candidate_unit == org.STAFFED


def test_issuing_to_a_unit_with_no_officer_names_it_and_keeps_nothing(
    invented_app: Flask, invented: Runtime, r: Rehearsal
) -> None:
    """The clerk's issue would open an acknowledgement nobody sees: 409 naming the unit; no number given."""
    r.do(org.DIRECTOR, "instruct", org.INSTRUCTION)
    r.do(org.SPECIALIST, "draft", org.draft(org.SUBORDINATE_UNITS))
    r.do(org.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.do(org.DEPUTY, "sign", {"decision": "sign", "comment": ""})
    task = ready(invented, r.case_id or 0, "issue")
    response = submit(signed_in(invented_app, org.CLERK), task.id, {"issue_note": ""})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Không có người thực hiện bước tiếp theo" in page
    assert "Chi cục Thú y tỉnh Tân Mỹ không có cán bộ đơn vị nào đang làm việc" in page
    assert "Không có gì được lưu" in page
    assert task_row(invented, task.id).state == "ready"
    assert "directive" not in r.data()
