"""The script functions of the reminder round's process (bpmn/reminder_round.bpmn).

`issue_reminder_round` runs in the clerk's issuing step, right after the letter got its number
from `issue_outgoing`: in that same transaction the round is marked issued, a deadline message is
queued for each chosen unit still at work (delivered by the job worker after commit) and each of
those units is notified through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from engine.ports import ScriptContext
from workflows.directive import reminder_rounds as rounds
from workflows.directive.queries import case_reference
from workflows.directive.tracking import UnitTracking
from workflows.forms.base import dmy
from workflows.notifications import queue_notification

KIND = "reminder_round"


def round_functions(context: ScriptContext) -> Mapping[str, Callable[..., Any]]:
    """`issue_reminder_round` bound to one command's session, clock and case."""
    session, now, case_id = context.session, context.now, context.case_id

    def issue_reminder_round(round_id: int, letter: Mapping[str, Any], directive_number: str) -> int:
        """Mark the round issued with its letter's number; move the chosen units' deadlines and tell them.
        Returns how many units were reached."""
        row = session.get(rounds.ReminderRound, int(round_id))
        if row is None or row.case_id != case_id:
            raise LookupError(f"reminder round {round_id} is not of case {case_id}")
        issued_on = date.fromisoformat(str(letter["date"]))
        messaged = rounds.issue(session, row.id, str(letter["notation"]), issued_on, context.actor, now)
        found = select(UnitTracking.instance_id, UnitTracking.unit_code, UnitTracking.report_required).where(
            UnitTracking.instance_id.in_(messaged)
        )
        units: dict[int, tuple[str, bool]] = {
            row.instance_id: (row.unit_code, row.report_required) for row in session.execute(found)
        }
        deadline = dmy(row.deadline)
        for instance_id in messaged:
            subject = f"Đôn đốc lần {row.number}: Công văn số {directive_number}, hạn mới {deadline}"
            unit, report_required = units[instance_id]
            asked = "gửi báo cáo kết quả" if report_required else "xác nhận đã tiếp nhận"
            body = (
                f"Công văn số {letter['notation']} (đôn đốc lần {row.number}) đề nghị đơn vị thực hiện Công văn số "
                f"{directive_number} và {asked} trước ngày {deadline}."
            )
            queue_notification(
                session,
                created_at=now,
                channel="email",
                recipient_kind="unit",
                recipient=unit,
                kind=KIND,
                subject=subject,
                body=body,
                reference=case_reference(case_id),
                link=f"/cases/{case_id}",
            )
        return len(messaged)

    return {"issue_reminder_round": issue_reminder_round}
