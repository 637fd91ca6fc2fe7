"""The administrators' processes page: every process with its versions, the cases on each, and the
BPMN of any version as deployed; auditors read it too, officers do not."""

from __future__ import annotations

import re

from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import signed_in
from tests.workflows.lifecycle_helpers import rehearsal
from web.core.composition import Runtime, engine_transactions
from workflows.directive import scenario

ADMIN, AUDITOR = "quantri", "kiemtra"
BPMN_FILE = "directive_lifecycle.bpmn"


def _section(page: str, key: str) -> str:
    start = page.index(f'id="p-{key}"')
    return page[start : page.index("</section>", start)]


def test_the_administrator_sees_each_version_and_the_cases_on_it(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)  # one case on version 1
    first = (runtime.settings.bpmn_dir / BPMN_FILE).read_bytes()
    changed = first.replace('name="Ký duyệt"'.encode(), 'name="Ký duyệt văn bản"'.encode(), 1)
    assert changed != first
    with engine_transactions(runtime)() as engine:
        engine.deploy(changed, BPMN_FILE, ADMIN)
        engine.deploy(changed, BPMN_FILE, ADMIN)  # the same file again makes no third version

    admin = signed_in(app, ADMIN)
    page = admin.get("/admin/processes").get_data(as_text=True)
    lifecycle = _section(page, "directive_lifecycle")
    rows = re.findall(r"<tr>(.*?)</tr>", lifecycle, re.DOTALL)[1:]
    assert len(rows) == 2
    assert "phiên bản 2" in rows[0] and "hồ sơ mới bắt đầu trên bản này" in rows[0] and "Ngô Đức Thắng" in rows[0]
    assert "phiên bản 1" in rows[1] and "hồ sơ mới bắt đầu" not in rows[1]
    running = [re.findall(r'data-label="Đang chạy" class="num">(\d+)<', row)[0] for row in rows]
    assert running == ["0", "1"]

    old = admin.get("/admin/processes/directive_lifecycle/v1.bpmn")
    assert old.status_code == 200 and old.data == first
    assert 'filename="directive_lifecycle-v1.bpmn"' in old.headers["Content-Disposition"]
    assert admin.get("/admin/processes/directive_lifecycle/v9.bpmn").status_code == 404


def test_auditors_read_it_and_officers_may_not(app: Flask) -> None:
    assert signed_in(app, AUDITOR).get("/admin/processes").status_code == 200
    officer = signed_in(app, scenario.SPECIALIST)
    assert officer.get("/admin/processes").status_code == 403
    assert officer.get("/admin/processes/directive_lifecycle/v1.bpmn").status_code == 403
