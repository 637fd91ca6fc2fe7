"""A day off the administrator adds over HTTP is counted by every process of `directive-flow serve`.

The served application's web workers have built their calendar before the change (they served pages);
the administrator declares the next working day a day off on /admin/calendar. From then on, in
whichever worker a request lands: the director's handling deadline on that day is refused at its
field, and the directive issued today asks its units to acknowledge by the working day after it.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp
from workflows.calendar import WorkingCalendar
from workflows.directive import reference_case as case
from workflows.directive.scenario import CLERK, DIRECTOR, SPECIALIST
from workflows.directive.tracking import UnitTracking
from workflows.orgchart.calendar_days import CalendarDay

ADMIN = "quantri"


def test_a_day_off_added_over_http_moves_the_deadlines_computed_after_it(served: ServedApp) -> None:
    d = DirectiveOverHttp(served)
    day_off = WorkingCalendar().next_working_day(d.today)
    for name in (CLERK, DIRECTOR, SPECIALIST):
        for _ in range(3):  # pages of both web workers, each building its calendar before the change
            assert d.browser(name).get("/").status == 200

    admin = served.client(ADMIN)
    note = "Nghỉ bù theo thông báo của Chính phủ"
    added = admin.post_form("/admin/calendar", {"day": f"{day_off:%d/%m/%Y}", "kind": "day_off", "note": note})
    assert added.status == 302, added.text[:2000]
    with served.reading() as session:
        assert [(r.day, r.note) for r in session.scalars(select(CalendarDay))] == [(day_off, note)]
    d.calendar = WorkingCalendar(extra_holidays=[day_off])

    d.register()
    instruct = d.the_ready("instruct")
    for _ in range(3):
        refused = d.browser(DIRECTOR).submit(
            f"/tasks/{instruct.id}", {**case.INSTRUCTION, "handling_deadline": day_off.isoformat()}
        )
        assert refused.status != 302 and f"Ngày {day_off:%d/%m/%Y} là ngày nghỉ (ngày nghỉ lễ, nghỉ bù)" in refused.text

    units = d.to_issue(groups=["don_vi_truc_thuoc_so"])
    assert units, d.state()
    with served.reading() as session:
        owed = set(session.scalars(select(UnitTracking.acknowledge_by).where(UnitTracking.case_id == d.case_id)))
    assert owed == {d.calendar.next_working_day(d.today)} and day_off not in owed
