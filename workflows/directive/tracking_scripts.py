"""The script functions through which a unit's process keeps its row of theo dõi thực hiện.

Each is called by the unit execution process (bpmn/unit_execution.bpmn) at the step it records,
so the stamp is written in that step's transaction; see workflows/directive/tracking.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from engine.ports import ScriptContext
from workflows.calendar import WorkingCalendar
from workflows.directive import tracking
from workflows.urgency import PRIORITY

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def tracking_functions(context: ScriptContext, calendar: WorkingCalendar) -> Mapping[str, Callable[..., Any]]:
    """`track_*` functions bound to one command's session, clock and instance."""
    session, now, instance_id = context.session, context.now, context.instance_id
    today = now.astimezone(LOCAL).date()

    def track_unit(
        unit: str,
        lead_division: str | None,
        urgency: str | None,
        report_required: str | None,
        report_deadline: str | None,
        close_by: str | None = None,
    ) -> None:
        """Start following the unit: it owes an acknowledgement by the next working day (or by
        the closing day when only that is asked), and its report by `report_deadline`."""
        report = report_required != "no"
        acknowledge_by = date.fromisoformat(close_by) if not report and close_by else calendar.next_working_day(today)
        tracking.start(
            session,
            case_id=context.case_id,
            instance_id=instance_id,
            unit_code=str(unit),
            lead_division=str(lead_division) if lead_division else None,
            urgency=PRIORITY.get(str(urgency), 0),
            report_required=report,
            acknowledge_by=acknowledge_by,
            deadline=date.fromisoformat(report_deadline) if report and report_deadline else None,
            now=now,
        )

    def track_acknowledged(finished: bool = False) -> None:
        """The unit acknowledged; `finished` when that is all it was asked."""
        tracking.acknowledged(session, instance_id, today, now, finished=bool(finished))

    def track_reported() -> None:
        """The unit sent its report."""
        tracking.reported(session, instance_id, today, now)

    def track_returned(resubmit_by: str) -> None:
        """The lead division asked for more, by `resubmit_by`."""
        tracking.returned(session, instance_id, date.fromisoformat(resubmit_by), now)

    def track_accepted() -> None:
        """The lead division accepted the unit's report."""
        tracking.accepted(session, instance_id, today, now)

    def track_closed() -> None:
        """Follow-up of the unit ended without its part."""
        tracking.closed(session, instance_id, now)

    def track_reminder_round(deadline: str, acknowledge_by: str | None = None) -> None:
        """A reminder round moved the unit's report deadline to `deadline` and, if it never
        acknowledged, its acknowledgement to `acknowledge_by` (a unit asked only to acknowledge) or
        to the next working day, as its task now asks."""
        owed = date.fromisoformat(acknowledge_by) if acknowledge_by else calendar.next_working_day(today)
        tracking.moved_by_round(session, instance_id, date.fromisoformat(deadline), owed, now)

    return {
        "track_unit": track_unit,
        "track_acknowledged": track_acknowledged,
        "track_reported": track_reported,
        "track_returned": track_returned,
        "track_accepted": track_accepted,
        "track_closed": track_closed,
        "track_reminder_round": track_reminder_round,
    }
