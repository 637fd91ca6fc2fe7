"""The reference directive's whole life over HTTP against `directive-flow serve`.

The web workers and the job worker are separate processes: the case is issued and the units report
through gunicorn's workers, and the job that resumes the case after each unit's instance ends runs
in the job worker, which never saw those instances created. The case must still reach the
consolidation with every unit's figures, and then its end.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.models import ProcessInstance
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp
from tests.web.task_helpers import form_values
from workflows.directive import reference_case as case
from workflows.directive.report_draft import figures_sentence
from workflows.directive.scenario import CLERK, SIGNER, SPECIALIST
from workflows.orgchart.models import Unit

# Seconds the job worker may take to resume the case after the last unit (it polls every 0.5 s).
RESUME_SECONDS = 60.0


def test_reference_directive_lives_its_whole_life_over_http(served: ServedApp) -> None:
    """Registered, issued to every unit, every unit reports; the worker process resumes the case; it completes."""
    d = DirectiveOverHttp(served)
    d.register()
    units = d.to_issue()
    assert len(units) == 29, d.state()
    for index, unit in enumerate(units):
        d.unit_carries_out(index, unit)

    consolidate = d.served.wait_until(
        lambda: d.ready("consolidate"),
        timeout=RESUME_SECONDS,
        what=lambda: f"the job worker did not bring the case to its consolidation\n{d.state()}",
    )[0]
    page = d.browser(SPECIALIST).get(f"/tasks/{consolidate.id}")
    assert page.status == 200
    assert f"Số đơn vị đã báo cáo</dt><dd>{len(units)}</dd>" in page.text
    body = form_values(page.text)["report_body"]
    with served.reading() as session:
        names = dict(session.execute(select(Unit.code, Unit.short_name).where(Unit.code.in_(units))).all())
    lines = body.splitlines()
    for index, unit in enumerate(units):
        report = case.unit_report(index, d.today.isoformat())
        line = next((x for x in lines if x.startswith(f"- {names[unit]} (Báo cáo số {report['report_number']}")), None)
        assert line is not None, f"{unit} is missing from the drafted report:\n{body}"
        assert f"Số liệu: {figures_sentence(report['figures'])}." in line, line
    totals = {
        name: sum(case.unit_report(i, "")["figures"][name] for i in range(len(units)))
        for name in case.unit_report(0, "")["figures"]
    }
    assert f"2. Số liệu tổng hợp: {figures_sentence(totals)}." in body

    d.do(SPECIALIST, "consolidate", {})
    d.do(SIGNER, "sign_report", {"decision": "sign", "comment": ""})
    d.do(CLERK, "issue_report", {"issue_note": ""})
    with served.reading() as session:
        status = session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == d.case_id))
    assert status == "completed", d.state()
