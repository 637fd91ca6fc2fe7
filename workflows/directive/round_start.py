"""Starting a reminder round: check the choice, number the round, draft its letter, start its process.

All in the caller's unit of work (a request): a choice refused stores nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.runtime import Engine
from workflows.calendar import WorkingCalendar
from workflows.directive import reminder_rounds as rounds
from workflows.directive.round_letter import directive_of, round_body, round_subject, unit_names
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.validation import HEAD_ROLE


def signer_for(directory: OrgDirectory, agency: str, directive_signer: str | None) -> str:
    """Who signs the round's letter: the leader who signed the directive while they still may, else the head."""
    if directive_signer and (
        directory.may_act(directive_signer, "leader", agency) or directory.may_act(directive_signer, HEAD_ROLE, agency)
    ):
        return directive_signer
    heads = directory.holders(HEAD_ROLE, agency)
    if not heads:
        raise LookupError(f"no {HEAD_ROLE} of {agency} to sign the reminder letter")
    return heads[0]


def round_data(
    engine: Engine, request: rounds.RoundRequest, calendar: WorkingCalendar, units: list[str], number: int
) -> dict[str, Any]:
    """The start data of the round's process: the drafted letter and what its steps need."""
    session = engine.session
    case = engine.data(request.case_id)
    directive = directive_of(session, case)
    deadline = rounds.new_deadline(calendar, request.today, request.working_days)
    agency = str(case.get("agency") or "")
    return {
        "agency": agency,
        "lead_division": case.get("lead_division"),
        "urgency": case.get("draft_urgency") or case.get("urgency") or "thuong",
        "signer": signer_for(OrgDirectory(session), agency, case.get("signer")),
        "drafter": request.actor,
        "round_number": number,
        "units": units,
        "round_addressees": unit_names(session, units),
        "new_deadline": deadline.isoformat(),
        "directive_number": directive.notation,
        "directive_date": directive.issued_on.isoformat(),
        "directive_subject": directive.subject,
        "letter_subject": round_subject(directive.subject, number),
        "letter_body": round_body(directive, deadline),
    }


def start_round(engine: Engine, request: rounds.RoundRequest, calendar: WorkingCalendar) -> rounds.ReminderRound:
    """Start round N of the case for the chosen units (RoundRefused, nothing stored, when it cannot be)."""
    session = engine.session
    units = rounds.check_request(session, request)
    number = rounds.next_number(session, request.case_id)
    data = round_data(engine, request, calendar, units, number)
    row = rounds.record_round(session, request, units, date.fromisoformat(data["new_deadline"]))
    data["round_id"] = row.id
    case = engine.instance(request.case_id)
    result = engine.start(
        rounds.PROCESS,
        request.actor,
        data,
        title=f"Đôn đốc lần {row.number}: {case.title or ''}".strip(),
        business_key=case.business_key,
        case_id=request.case_id,
    )
    rounds.started(session, row, result.instance_id, request.actor, request.now)
    return row
