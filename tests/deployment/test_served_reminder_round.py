"""A reminder round over HTTP against `directive-flow serve`: started from its page, checked, signed, issued;
the job worker (a process of its own) then moves the chosen units' deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from engine.models import TaskRow
from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp
from workflows.calendar import LOCAL_TZ
from workflows.directive.reminder_rounds import ReminderRound
from workflows.directive.scenario import CLERK, HEAD, SIGNER, SPECIALIST
from workflows.directive.tracking import UnitTracking

# Seconds the job worker may take to deliver the deadline messages (it polls every 0.5 s).
DELIVERY_SECONDS = 60.0
SUBORDINATE_UNITS = "don_vi_truc_thuoc_so"


def test_a_round_started_signed_and_issued_over_http_moves_the_chosen_units(served: ServedApp) -> None:
    d = DirectiveOverHttp(served)
    d.register()
    units = d.to_issue([SUBORDINATE_UNITS])
    assert len(units) >= 4, d.state()
    chosen = units[:3]
    for unit in units:
        d.do(d.officer_of(unit), "acknowledge", {"acknowledge_note": ""}, unit)

    supervisor = d.browser("giamsat")
    form = supervisor.get(f"/supervision/cases/{d.case_id}/rounds/new")
    assert form.status == 200, form.text[:2000]
    reply = supervisor.post_form(
        f"/supervision/cases/{d.case_id}/rounds/new", [*(("units", u) for u in chosen), ("working_days", "15")]
    )
    assert reply.status == 302, reply.text[:3000]
    new_deadline = date.fromisoformat(d.working_day(15))

    d.do(SPECIALIST, "draft_round", {})
    d.do(HEAD, "review_round", {"decision": "approve", "comment": ""})
    d.do(SIGNER, "sign_round", {"decision": "sign", "comment": ""})
    d.do(CLERK, "issue_round", {"issue_note": ""})

    def moved() -> dict[str, TaskRow] | None:
        with served.reading() as session:
            rows = session.scalars(select(UnitTracking).where(UnitTracking.case_id == d.case_id)).all()
            if sorted(r.unit_code for r in rows if r.deadline == new_deadline and r.reminders == 1) != sorted(chosen):
                return None
            reports = session.scalars(
                select(TaskRow).where(
                    TaskRow.case_id == d.case_id, TaskRow.spec_name == "report", TaskRow.state == "ready"
                )
            ).all()
            return {str(task.detail): task for task in reports}

    reports = served.wait_until(
        moved, timeout=DELIVERY_SECONDS, what=lambda: f"the deadlines did not move\n{d.state()}"
    )
    end_of = {
        code: (task.due_at.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date() for code, task in reports.items()
    }
    assert {code for code, day in end_of.items() if day == new_deadline} == set(chosen)
    assert all(end_of[code] < new_deadline for code in units if code not in chosen)
    with served.reading() as session:
        (row,) = session.scalars(select(ReminderRound).where(ReminderRound.case_id == d.case_id)).all()
        assert row.status == "issued" and row.notation
    case_page = d.browser(HEAD).get(f"/cases/{d.case_id}")
    assert f"Đôn đốc lần 2: 3 đơn vị, hạn mới {new_deadline.strftime('%d/%m/%Y')}" in case_page.text
