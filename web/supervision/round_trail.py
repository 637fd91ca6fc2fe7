"""How the case trail reads a reminder round: "Đôn đốc lần 2: 24 đơn vị, hạn mới 03/04/2023"."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine.models import AuditEvent
from workflows.directive.reminder_rounds import by_instance

STARTED, ISSUED = "workflows:reminder_round:started", "workflows:reminder_round:issued"


def round_labels(session: Session, case_id: int) -> dict[int, str]:
    """ "Đôn đốc lần N" by the id of each round's process instance, to name the round's steps."""
    return {
        instance: str(_("Đôn đốc lần %(number)d", number=row.number))
        for instance, row in by_instance(session, case_id).items()
    }


def round_line(event: AuditEvent) -> str | None:
    """The trail's line for a round's event, or None for any other event."""
    if event.tag not in (STARTED, ISSUED):
        return None
    after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
    values = {
        "number": int(after.get("round") or 0),
        "units": int(after.get("units") or 0),
        "day": date.fromisoformat(str(after.get("deadline"))).strftime("%d/%m/%Y"),
    }
    if event.tag == STARTED:
        return str(_("Bắt đầu đôn đốc lần %(number)d: %(units)d đơn vị, hạn mới %(day)s (dự thảo công văn)", **values))
    return str(
        _(
            "Đôn đốc lần %(number)d: %(units)d đơn vị, hạn mới %(day)s (Công văn số %(notation)s)",
            notation=after.get("notation", ""),
            **values,
        )
    )
