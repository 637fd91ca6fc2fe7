"""The functions BPMN scripts of the directive processes may call: the allow-list.

A script sees task data and these names only. Each function is bound to the command that runs
the script (its session, clock and case), so what it writes is part of that one transaction.
Values cross into the workflow as JSON-friendly types: dates as ISO strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.models import ProcessInstance, TaskRow
from engine.ports import ScriptContext
from engine.task_rows import COMPLETED
from engine.text import extend
from workflows.calendar import WorkingCalendar, escalation_time, reminder_time
from workflows.directive import notices
from workflows.directive.addressing import addressee_lines_for
from workflows.directive.queries import case_reference
from workflows.directive.report_definition import definition_from, definition_of
from workflows.directive.report_draft import Letter, report_body, report_subject
from workflows.directive.round_scripts import round_functions
from workflows.directive.tracking_scripts import tracking_functions
from workflows.notifications import Notification, queue_notification
from workflows.orgchart.calendar_days import StoredCalendar
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.groups import resolve_recipients
from workflows.orgchart.models import Setting
from workflows.registers import incoming, outgoing

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class DirectiveScripts:
    """Builds the allow-listed script functions for one command."""

    def __init__(self, calendar: WorkingCalendar | None = None) -> None:
        # None (what the application passes): the database's calendar, as the command's transaction reads it.
        self.calendar = calendar

    def __call__(self, context: ScriptContext) -> Mapping[str, Callable[..., Any]]:
        calendar = self.calendar or StoredCalendar(context.session)
        bound = _Bound(context, calendar)
        return {
            "setting": bound.setting,
            "today": bound.today,
            "next_working_day": bound.next_working_day,
            "add_working_days": bound.add_working_days,
            "reminder_time": bound.reminder_time,
            "escalation_time": bound.escalation_time,
            "register_arrival": bound.register_arrival,
            "close_arrival": bound.close_arrival,
            "assign_handling": bound.assign_handling,
            "addressees": bound.addressees,
            "issue_outgoing": bound.issue_outgoing,
            "resolve_recipients": bound.resolve_recipients,
            "publish_directive": bound.publish_directive,
            "notify_unit": bound.notify_unit,
            "notify_supervisors": bound.notify_supervisors,
            "sum_figures": sum_figures,
            "draft_report": bound.draft_report,
            **tracking_functions(context, calendar),
            **round_functions(context),
        }


def sum_figures(
    reports: Sequence[Mapping[str, Any]], figures: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Totals of the figures the directive defines (`figures`, its ``report_figures``; the default
    template's when None), with how many units reported and how many were late."""
    definition = definition_of(None) if figures is None else definition_from(figures, [])
    names = [f.name for f in definition.figures]
    totals: dict[str, Any] = dict.fromkeys(names, 0)
    for report in reports:
        for name in names:
            totals[name] += int((report.get("figures") or {}).get(name, 0))
    totals["units_reported"] = len(reports)
    totals["units_late"] = sum(1 for r in reports if not r.get("on_time", True))
    return totals


class _Bound:
    """The script functions, closed over one command's context."""

    def __init__(self, context: ScriptContext, calendar: WorkingCalendar) -> None:
        self.ctx = context
        self.calendar = calendar
        self.session = context.session

    # -- settings and dates ---------------------------------------------------------------

    def setting(self, key: str) -> Any:
        """An agency-wide setting (None when not set)."""
        return self.session.scalar(select(Setting.value).where(Setting.key == key))

    def _today(self) -> date:
        return self.ctx.now.astimezone(LOCAL).date()

    def today(self) -> str:
        """Today's date in Vietnam."""
        return self._today().isoformat()

    def next_working_day(self, day: str) -> str:
        """The first working day after `day`."""
        return self.calendar.next_working_day(date.fromisoformat(day)).isoformat()

    def add_working_days(self, day: str, count: int) -> str:
        """`count` working days after `day`."""
        return self.calendar.add_working_days(date.fromisoformat(day), int(count)).isoformat()

    def reminder_time(self, deadline: str) -> str:
        """When to remind a unit of its report deadline."""
        return reminder_time(date.fromisoformat(deadline), self.calendar).isoformat()

    def escalation_time(self, deadline: str) -> str:
        """When a missing report becomes late."""
        return escalation_time(date.fromisoformat(deadline)).isoformat()

    # -- registers ------------------------------------------------------------------------

    def _agency(self) -> str:
        return str(self.setting("agency"))

    def _reference(self) -> str:
        return case_reference(self.ctx.case_id)

    def register_arrival(
        self, issuer: str, number: str, doc_date: str, subject: str, urgency: str, received: str | None = None
    ) -> dict[str, Any]:
        """Enter the incoming letter in the register of arrivals on the day it arrived (today unless
        the clerk says otherwise); give it the next arrival number of that year."""
        doc = incoming.register_arrival(
            self.session,
            agency_code=self._agency(),
            arrival_date=date.fromisoformat(received) if received else self._today(),
            issuer=issuer,
            number_code=number,
            doc_date=date.fromisoformat(doc_date),
            subject=subject,
            urgency=urgency,
            reference=self._reference(),
        )
        case = self.session.get(ProcessInstance, self.ctx.case_id)
        if case is not None:
            case.business_key = number
            case.title = subject
        return {"number": doc.arrival_number, "date": doc.arrival_date.isoformat()}

    def close_arrival(self, arrival_number: int, arrival_date: str, reply_notation: str) -> None:
        """Close the tracking row of the incoming letter with the number of the reply."""
        incoming.close_arrival(
            self.session,
            self._agency(),
            date.fromisoformat(arrival_date).year,
            int(arrival_number),
            reply_notation,
            self.ctx.now,
        )

    def assign_handling(self, arrival_number: int, arrival_date: str, lead_division: str, deadline: str) -> None:
        """Write the director's instruction into the tracking register: lead division and deadline."""
        doc = incoming.arrival(self.session, self._agency(), date.fromisoformat(arrival_date).year, int(arrival_number))
        incoming.assign_handling(self.session, doc, lead_division, date.fromisoformat(deadline))

    def addressees(self, group_codes: Sequence[str], named_groups: Sequence[str] = ()) -> list[str]:
        """The Kính gửi lines of the recipient groups, as the letter prints them (on today's chart)."""
        return addressee_lines_for(self.session, list(group_codes), set(named_groups), self._today())

    def issue_outgoing(
        self, document_type: str, subject: str, division: str, signer: str, to: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Give a signed document the agency's next number and today's date; register it with where it goes."""
        directory = OrgDirectory(self.session)
        agency = directory.unit(self._agency())
        drafting = directory.unit(division)
        if agency is None or drafting is None:
            raise LookupError(f"unknown unit {self._agency() if agency is None else division!r}")
        signer = self._who_signed(signer)
        signer_user = directory.user(signer)
        signs_as = signer_user.signs_as if signer_user is not None else None
        capacity = signer_capacity(directory.roles_of(signer), agency.code, signs_as)
        doc = outgoing.issue_outgoing(
            self.session,
            agency_code=agency.code,
            agency_notation=agency.notation,
            document_type=document_type,
            drafting_unit_notation=drafting.notation,
            subject=subject,
            issued_date=self._today(),
            signer_username=signer,
            signer_capacity=capacity,
            reference=self._reference(),
            recipients=[str(name) for name in to],
        )
        case = self.session.get(ProcessInstance, self.ctx.case_id)
        if case is not None:
            # The case is known by its directive's number once issued; every number stays searchable.
            # A letter of another process of the case (a reminder round) leaves the case's number alone.
            if document_type == "CV" and self.ctx.instance_id == self.ctx.case_id:
                case.business_key = doc.notation
            case.search_text = extend(case.search_text, doc.notation)
        return {
            "number": doc.number,
            "notation": doc.notation,
            "date": doc.issued_date.isoformat(),
            "capacity": capacity,
            "type": document_type,
        }

    def _who_signed(self, assigned: str) -> str:
        """Who really signed: the assigned signer, or the substitute who completed their signing step.

        The document carries the signature of the person who signed it (ND30: a deputy standing in
        for the head signs "KT." with their own name), never the name of someone who was away.
        """
        query = (
            select(TaskRow.completed_by)
            .where(
                TaskRow.instance_id == self.ctx.instance_id, TaskRow.assignee == assigned, TaskRow.state == COMPLETED
            )
            .order_by(TaskRow.completed_at.desc())
            .limit(1)
        )
        return self.session.scalar(query) or assigned

    def resolve_recipients(self, group_codes: Sequence[str], on: str) -> list[str]:
        """The units the recipient groups stand for on that day, from the org chart."""
        return resolve_recipients(self.session, list(group_codes), date.fromisoformat(on))

    def draft_report(
        self,
        incoming_letter: Mapping[str, str] | None,
        directive: Mapping[str, Any],
        recipients: Sequence[str],
        unit_reports: Sequence[Mapping[str, Any]],
        totals: Mapping[str, Any],
        report: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """The first draft of the report upward (subject and text) from the units' reports.

        `incoming_letter` is None for a directive of the agency's own initiative: the draft is then
        the summary of the units' results. `report` holds the directive's report definition
        (``report_figures``, ``report_questions``, and ``draft_subject``).
        """
        directory = OrgDirectory(self.session)
        agency = directory.unit(self._agency())
        agency_name = agency.short_name if agency is not None else self._agency()
        report = report or {}
        incoming = (
            Letter(
                number=str(incoming_letter["number"]),
                on=date.fromisoformat(str(incoming_letter["date"])),
                issuer=str(incoming_letter["issuer"]),
                subject=str(incoming_letter["subject"]),
            )
            if incoming_letter is not None
            else None
        )
        subject = str(report.get("draft_subject") or "")
        letter = incoming or Letter(
            str(directive["notation"]), date.fromisoformat(str(directive["date"])), agency_name, subject
        )
        codes = {str(r["unit"]) for r in unit_reports}
        stopped = [str(code) for code in recipients if str(code) not in codes]
        names = {code: unit.short_name for code in {*codes, *stopped} if (unit := directory.unit(code)) is not None}
        body = report_body(
            agency_name=agency_name,
            incoming=incoming,
            directive_number=str(directive["notation"]),
            directive_date=date.fromisoformat(str(directive["date"])),
            unit_reports=unit_reports,
            totals=totals,
            unit_names=names,
            recipients=len(recipients),
            stopped=[names.get(code, code) for code in stopped],
            directive_subject=subject,
            definition=definition_of(report) if report else None,
        )
        return {"subject": report_subject(letter), "body": body}

    # -- notifications (sent after commit, from the outbox) --------------------------------

    def publish_directive(self, notation: str, subject: str, cc: Sequence[Mapping[str, str]]) -> None:
        """Queue publication on the website and a copy to each (B/c) addressee."""
        website = str(self.setting("website") or "website")
        text = f"Công văn số {notation} V/v {subject}"
        self._queue("website", "external", website, "published", text)
        for item in cc:
            if item.get("tag") == "B/c":
                self._queue("email", "external", item["name"], "report_up", text)

    def notify_unit(self, unit: str, kind: str, notation: str, deadline: str) -> None:
        """Queue a message to a recipient unit (e.g. a reminder of its report deadline): its officers, or
        the one who took its task, read the case, the step, the unit's name, the deadline and a link."""
        notice = notices.reminder(self.session, self.ctx.case_id, self.ctx.instance_id, unit, notation, deadline)
        self._queue("email", "unit", unit, kind, notice.body, subject=notice.subject, link=notice.link)

    def notify_supervisors(self, unit: str, notation: str, deadline: str) -> None:
        """Queue an escalation: the unit has not reported by the deadline. The agency's supervisors hear
        of it, and the unit's own leader when the unit has one."""
        notice = notices.escalation(self.session, self.ctx.case_id, self.ctx.instance_id, unit, notation, deadline)
        text, subject, link = notice.body, notice.subject, notice.link
        self._queue("email", "role", "supervisor", "escalation", text, subject=subject, link=link)
        if OrgDirectory(self.session).anyone_holds("leader", unit):
            self._queue("email", "role", f"leader@{unit}", "escalation", text, subject=subject, link=link)

    def _queue(
        self,
        channel: str,
        recipient_kind: str,
        recipient: str,
        kind: str,
        text: str,
        *,
        subject: str | None = None,
        link: str | None = None,
    ) -> None:
        # A timer can fire twice for the same fact (a unit reminded before it acknowledged is
        # reminded again by the report task's own timer): say each thing once. A message with a
        # subject of its own is the same fact when its subject is (its text also names the step).
        same = Notification.body == text if subject is None else Notification.subject == subject
        already = self.session.scalar(
            select(Notification.id).where(
                Notification.reference == case_reference(self.ctx.case_id),
                Notification.recipient == recipient,
                Notification.kind == kind,
                same,
            )
        )
        if already is not None:
            return
        queue_notification(
            self.session,
            created_at=self.ctx.now,
            channel=channel,
            recipient_kind=recipient_kind,
            recipient=recipient,
            kind=kind,
            subject=subject or text[:250],
            body=text,
            reference=self._reference(),
            link=link,
        )


def signer_capacity(roles: AbstractSet[tuple[str, str]], agency_code: str, signs_as: str | None = None) -> str | None:
    """The authority mark of a signature: none for the head; for another leader the mark the org
    chart gives them (Q. acting, TL. by order, TUQ. by authorisation, TM.), KT. when it gives none."""
    if ("director", agency_code) in roles:
        return None
    if ("leader", agency_code) in roles:
        return signs_as or "KT."
    raise PermissionError("the signer holds no signing role in the agency")
