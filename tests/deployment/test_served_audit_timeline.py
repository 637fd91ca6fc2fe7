"""The auditor opens a case's timeline on `directive-flow serve` (gunicorn and its job worker,
tests/served.py): the head's return and its reason, both drafts and what the second changed, the
diagram as it stood after the first draft; and the auditor's attempt to act is refused."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp
from tests.web.task_helpers import draft_changes
from workflows.directive import reference_case as case
from workflows.directive.scenario import DIRECTOR, HEAD, SPECIALIST

AUDITOR = "kiemtra"
RETURN_COMMENT = "Đề nghị bổ sung nhiệm vụ thứ tư (mục 4)."


def test_the_auditor_reads_a_timeline_and_cannot_act(served: ServedApp) -> None:
    d = DirectiveOverHttp(served)
    d.register()
    d.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": d.working_day(3)})
    draft = case.draft(tasks=case.TASKS[:3])
    draft["report_deadline"] = d.working_day(10)
    d.do(SPECIALIST, "draft", draft_changes(draft))
    d.do(HEAD, "review_content", {"decision": "return", "comment": RETURN_COMMENT})
    d.do(SPECIALIST, "draft", draft_changes({**draft, "draft_tasks": case.TASKS[:4]}))

    auditor = d.browser(AUDITOR)
    assert f"/cases/{d.case_id}/timeline" in auditor.get(f"/cases/{d.case_id}").text
    page = auditor.get(f"/cases/{d.case_id}/timeline")
    assert page.status == 200, page.text
    assert RETURN_COMMENT in page.text and "Trưởng phòng" in page.text
    assert "Công văn · bản 1" in page.text and "Công văn · bản 2" in page.text
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", page.text, re.S))
    assert case.TASKS[3].split()[0] in inserted

    versions = [int(v) for v in re.findall(rf"/cases/{d.case_id}/timeline/versions/(\d+)", page.text)]
    first = min(versions)
    old = auditor.get(f"/cases/{d.case_id}/timeline/versions/{first}")
    assert old.status == 200 and case.TASKS[3][:40] not in old.text and case.TASKS[0][:40] in old.text
    then = auditor.get(f"/cases/{d.case_id}/timeline/progress.json?upto={first}")
    assert then.status == 200 and json.loads(then.text)["current"] == ["review_content"]

    with served.reading() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    redraft = d.the_ready("review_content")
    refused = auditor.post_form(
        f"/tasks/{redraft.id}", {"decision": "approve", "comment": ""}, page=f"/cases/{d.case_id}/timeline"
    )
    assert refused.status == 403 and "Chỉ được xem" in refused.text
    with served.reading() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert d.the_ready("review_content").id == redraft.id

    # The version the case ran on is on the processes page, and its BPMN downloads as deployed.
    processes = auditor.get("/admin/processes")
    assert processes.status == 200 and "directive_lifecycle" in processes.text
    assert "hồ sơ mới bắt đầu trên bản này" in processes.text
    bpmn = auditor.get("/admin/processes/directive_lifecycle/v1.bpmn")
    assert bpmn.status == 200 and 'id="directive_lifecycle"' in bpmn.text
