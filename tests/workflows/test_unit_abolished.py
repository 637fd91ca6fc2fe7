"""A unit abolished, and another merged, while the directive waits on them: the case still completes.

The reference directive is issued on 9/3/2023 to its 29 units. The next day the administrator ends
one of them on 10/3 (a level of government abolished) and merges another into the Sở's office from
11/3. Their officers still hold their tasks: both acknowledge and report after the end, the
specialist accepts, the report upward is drafted with every unit, signed and issued, and the case
ends. A directive sent after the change no longer goes to either. Every step reloads the case from
the database (the checked rehearsal round-trips the state after each one).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, ProcessInstance
from tests.workflows.lifecycle_helpers import all_units_report, officer_of, rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.orgchart.groups import resolve_recipients
from workflows.orgchart.models import Unit
from workflows.orgchart.unit_admin import merge_unit, update_unit

ADMIN = "quantri"


def test_a_unit_abolished_and_one_merged_while_the_case_waits_on_them_still_report_and_the_case_ends(
    runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    abolished, merged = units[0], units[-1]
    with session_of(runtime) as session:
        groups = list(r.data()["recipient_groups"])
        assert abolished in resolve_recipients(session, groups, date(2023, 3, 9))
    r.at("2023-03-10 16:00")
    with session_of(runtime) as session:
        changes = update_unit(session, abolished, {"valid_to": "10/03/2023"}, actor=ADMIN, at=clock.now())
        assert changes == {"valid_to": [None, date(2023, 3, 10)]}
        office = session.scalar(select(Unit.code).where(Unit.code == "VP"))
        assert office is not None
        merge_unit(session, merged, office, date(2023, 3, 11), actor=ADMIN, at=clock.now())

    all_units_report(r, units, officer_of(runtime), day="2023-03-15")
    with session_of(runtime) as session:
        names = dict(
            session.execute(select(Unit.code, Unit.short_name).where(Unit.code.in_([abolished, merged]))).all()
        )
    body = str(r.data()["report_body"])
    assert f"- {names[abolished]} (Báo cáo số" in body and f"- {names[merged]} (Báo cáo số" in body
    scenario.report_upward(r)
    with session_of(runtime) as session:
        case = session.get(ProcessInstance, r.case_id)
        assert case is not None and case.status == "completed"
        assert set(resolve_recipients(session, groups, date(2023, 3, 16))) == set(units) - {abolished, merged}
        tags = list(
            session.scalars(
                select(AuditEvent.tag).where(AuditEvent.tag.like("workflows:orgchart:unit_%")).order_by(AuditEvent.id)
            )
        )
    assert tags == ["workflows:orgchart:unit_updated", "workflows:orgchart:unit_merged"]
