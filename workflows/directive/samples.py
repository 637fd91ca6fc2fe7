"""Sample cases at every stage, dated around today, so that a fresh installation has work to show.

Works on whatever organisation is loaded: the people come from the org chart by the roles the
processes' lanes name (clerk, director, leader, division head, specialist, unit officer), never by
name, and the letters from ``data/samples.json``. Each case goes through the engine's public API as
the users whose role it is, exactly like the demo. When the chart lacks someone a stage needs, the
samples are refused with the reason before anything is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition
from workflows.calendar import WorkingCalendar
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.groups import resolve_recipients
from workflows.orgchart.models import RecipientGroup, Setting, Unit

from .rehearsal import Rehearsal

#: The sample letters: invented numbers, generic issuers, a different topic and text for each case.
SAMPLES_FILE: Final = Path(__file__).parent / "data" / "samples.json"


#: The processes the samples run (their keys in bpmn/).
PROCESSES: Final = ("directive_lifecycle", "unit_execution")


class SamplesRefused(Exception):
    """The loaded organisation lacks someone (or something) a sample stage needs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Letter:
    """An incoming letter that opens a sample case, and the texts the case is written with."""

    issuer: str
    number: str
    subject: str
    urgency: str
    intro: str
    tasks: tuple[str, ...]
    closing: str
    instruction: str
    return_comment: str
    narrative: str


def load_letters(path: Path = SAMPLES_FILE) -> list[Letter]:
    """The sample letters of the data file, in order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Letter(**{**item, "tasks": tuple(item["tasks"])}) for item in data["letters"]]


@dataclass(frozen=True)
class Division:
    """A division that can lead a directive: its head checks the drafts its specialist writes."""

    code: str
    name: str
    head: str
    specialist: str


#: How many divisions get a draft to write and one to check of their own (the rest share the others).
DIVISIONS_WITH_OWN_CASES: Final = 3


@dataclass(frozen=True)
class Cast:
    """Who plays each part, chosen from the loaded chart by role."""

    agency_name: str
    clerk: str
    director: str
    signers: tuple[str, ...]
    divisions: tuple[Division, ...]
    groups: tuple[str, ...]
    officers: Mapping[str, str]

    def signer(self, index: int) -> str:
        """The leaders take turns, so that each of them has a draft to sign."""
        return self.signers[index % len(self.signers)]


def _first(holders: list[str], missing: str) -> str:
    if not holders:
        raise SamplesRefused(missing)
    return holders[0]


def cast_of(session: Session, today: date) -> Cast:
    """The people of the loaded organisation for the samples, or why there cannot be any."""
    directory = OrgDirectory(session)
    agency_code = session.scalar(select(Setting.value).where(Setting.key == "agency"))
    agency = directory.unit(str(agency_code)) if agency_code else None
    if agency is None:
        raise SamplesRefused("no organisation is loaded (the org chart names no agency): run `directive-flow seed`")
    for process in PROCESSES:
        if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == process).limit(1)) is None:
            raise SamplesRefused(f"the process {process!r} is not deployed: run `directive-flow setup`")
    code = agency.code
    clerk = _first(directory.holders("clerk", code), f"no one holds the role 'clerk' in {agency.name}")
    director = _first(directory.holders("director", code), f"no one holds the role 'director' in {agency.name}")
    leaders = directory.holders("leader", code)
    if not leaders:
        raise SamplesRefused(f"no one holds the role 'leader' (who signs) in {agency.name}")
    # Deputies sign most letters; the director signs only when there is no one else.
    signers = tuple(u for u in leaders if u != director) or tuple(leaders)
    divisions = _staffed_divisions(session, directory, code)
    if not divisions:
        raise SamplesRefused(f"no division of {agency.name} has both an active 'division_head' and 'specialist'")
    settings = {row.key: row.value for row in session.execute(select(Setting.key, Setting.value))}
    office = str(settings.get("office_unit") or "")
    if settings.get("format_check_required") is True and not directory.holders("office", office):
        raise SamplesRefused(f"format checks are required but no one holds the role 'office' in {office or 'no unit'}")
    groups, officers = _staffed_groups(session, directory, today)
    if not groups:
        raise SamplesRefused("no recipient group has units today that all have an active 'unit_officer'")
    return Cast(
        agency_name=agency.short_name,
        clerk=clerk,
        director=director,
        signers=signers,
        divisions=divisions,
        groups=groups,
        officers=officers,
    )


def _staffed_divisions(session: Session, directory: OrgDirectory, agency: str) -> tuple[Division, ...]:
    """The agency's internal units (in chart order) with both a division head and a specialist."""
    divisions = []
    for unit in session.scalars(select(Unit).where(Unit.parent_code == agency).order_by(Unit.position, Unit.code)):
        heads, specialists = directory.holders("division_head", unit.code), directory.holders("specialist", unit.code)
        if heads and specialists:
            divisions.append(Division(unit.code, unit.short_name, heads[0], specialists[0]))
    return tuple(divisions)


def _staffed_groups(session: Session, directory: OrgDirectory, today: date) -> tuple[tuple[str, ...], dict[str, str]]:
    """The recipient groups whose every unit has an officer today, and each unit's officer."""
    groups: list[str] = []
    officers: dict[str, str] = {}
    for group in session.scalars(select(RecipientGroup.code).order_by(RecipientGroup.position, RecipientGroup.code)):
        units = resolve_recipients(session, [group], today)
        holders = {unit: directory.holders("unit_officer", unit) for unit in units}
        if units and all(holders.values()):
            groups.append(group)
            officers.update({unit: names[0] for unit, names in holders.items()})
    return tuple(groups), officers


def _iso(day: date) -> str:
    return day.isoformat()


def _incoming(letter: Letter, received: date) -> dict[str, Any]:
    return {
        "incoming_issuer": letter.issuer,
        "incoming_number": letter.number,
        "incoming_date": _iso(received - timedelta(days=2)),
        "incoming_subject": letter.subject,
        "urgency": letter.urgency,
        "incoming_received_date": _iso(received),
    }


def _fill(text: str, letter: Letter, cast: Cast, division: Division) -> str:
    return text.format(agency=cast.agency_name, division=division.name, issuer=letter.issuer, number=letter.number)


def _draft(letter: Letter, cast: Cast, division: Division, report_deadline: date) -> dict[str, Any]:
    about = letter.subject[0].lower() + letter.subject[1:]
    return {
        "draft_subject": letter.subject,
        "draft_urgency": letter.urgency,
        "draft_basis": f"Thực hiện Công văn số {letter.number} của {letter.issuer} về việc {about}.",
        "draft_intro": _fill(letter.intro, letter, cast, division),
        "draft_tasks": [_fill(task, letter, cast, division) for task in letter.tasks],
        "draft_closing": _fill(letter.closing, letter, cast, division),
        "recipient_groups": list(cast.groups),
        "report_deadline": _iso(report_deadline),
        "cc": [{"name": letter.issuer, "tag": "B/c"}],
    }


def unit_report(letter: Letter, case_data: Mapping[str, Any], index: int, report_date: str) -> dict[str, Any]:
    """A unit's report on the figures and questions its directive defines, differing per unit."""
    report: dict[str, Any] = {
        "report_number": f"{10 + index:02d}/BC",
        "report_date": report_date,
        "narrative": letter.narrative,
    }
    figures = [str(item["name"]) for item in case_data.get("report_figures") or [] if item.get("name")]
    if figures:
        report["figures"] = {name: 1 + (index + position) % 7 for position, name in enumerate(figures)}
    questions = [item for item in case_data.get("report_questions") or [] if item.get("name")]
    if questions:
        report["answers"] = {str(item["name"]): letter.narrative for item in questions}
    return report


Step = tuple[str, Callable[[], object]]


@dataclass
class SampleMaker:
    """Plans the sample cases as timed steps; `create_samples` runs all of them in time order.

    Each plan takes the case's letter, its index (the signers take turns by it) and its lead division.
    """

    new_rehearsal: Callable[[], Rehearsal]
    cast: Cast
    today: date
    calendar: WorkingCalendar

    def _day(self, working_days: int) -> str:
        return self.calendar.add_working_days(self.today, working_days).isoformat()

    def _opening(self, r: Rehearsal, letter: Letter, received: str) -> list[Step]:
        clerk = self.cast.clerk
        return [
            (f"{received} 08:00", lambda: r.start("directive_lifecycle", clerk)),
            (
                f"{received} 08:05",
                lambda: r.do(clerk, "register_incoming", _incoming(letter, date.fromisoformat(received))),
            ),
        ]

    def _instruct(self, r: Rehearsal, letter: Letter, d: Division, day: str, deadline: str, signer: str) -> Step:
        data = {
            "lead_division": d.code,
            "supporting_divisions": [],
            "signer": signer,
            "handling_deadline": deadline,
            "instruction": _fill(letter.instruction, letter, self.cast, d),
        }
        return (f"{day} 09:30", lambda: r.do(self.cast.director, "instruct", data))

    def _drafted(
        self, r: Rehearsal, letter: Letter, d: Division, start: int, report_in: int, signer: str
    ) -> list[Step]:
        """Registered ``start`` working days ago (negative), instructed, drafted the day after."""
        draft = _draft(letter, self.cast, d, date.fromisoformat(self._day(report_in)))
        return [
            *self._opening(r, letter, self._day(start)),
            self._instruct(r, letter, d, self._day(start + 1), self._day(start + 3), signer),
            (f"{self._day(start + 2)} 10:00", lambda: r.do(d.specialist, "draft", draft)),
        ]

    def _approved(self, r: Rehearsal, d: Division, day: str) -> list[Step]:
        """Content approved; the format check too, when the agency requires one."""

        def approve() -> None:
            r.do(d.head, "review_content", {"decision": "approve", "comment": ""})
            for task in r.pending("check_format"):
                officer = self._office_holder(r, task.candidate_unit)
                r.do(officer, "check_format", {"decision": "approve", "comment": ""})

        return [(f"{day} 10:00", approve)]

    def _office_holder(self, r: Rehearsal, unit: str | None) -> str:
        with r.transaction() as engine:
            holders = OrgDirectory(engine.session).holders("office", unit or "")
        return _first(holders, f"no one holds the role 'office' in {unit}")

    def _signed_and_issued(self, r: Rehearsal, signer: str, day: int) -> list[Step]:
        return [
            (f"{self._day(day)} 15:00", lambda: r.do(signer, "sign", {"decision": "sign", "comment": ""})),
            (f"{self._day(day + 1)} 08:00", lambda: r.do(self.cast.clerk, "issue", {"issue_note": ""})),
        ]

    def _units(self, r: Rehearsal) -> list[str]:
        return [str(unit) for unit in r.data()["recipients"]]

    def awaiting_instruction(self, letter: Letter, _index: int, _d: Division) -> list[Step]:
        """Registered this morning; the director has yet to instruct."""
        return self._opening(self.new_rehearsal(), letter, self._day(0))

    def drafting(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Instructed two working days ago; the specialist drafts, the deadline is close."""
        r = self.new_rehearsal()
        signer = self.cast.signer(index)
        return [
            *self._opening(r, letter, self._day(-3)),
            self._instruct(r, letter, d, self._day(-2), self._day(1), signer),
        ]

    def awaiting_review(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Drafted yesterday; the division head checks the content."""
        return self._drafted(self.new_rehearsal(), letter, d, -3, 10, self.cast.signer(index))

    def awaiting_signature(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Drafted, returned once, approved; waiting for a leader's signature."""
        r = self.new_rehearsal()
        draft = _draft(letter, self.cast, d, date.fromisoformat(self._day(10)))
        returned = {"decision": "return", "comment": letter.return_comment}
        return [
            *self._drafted(r, letter, d, -6, 10, self.cast.signer(index)),
            (f"{self._day(-3)} 14:00", lambda: r.do(d.head, "review_content", returned)),
            (f"{self._day(-2)} 09:00", lambda: r.do(d.specialist, "draft", draft)),
            *self._approved(r, d, self._day(-1)),
        ]

    def awaiting_issue(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Signed this morning; the clerk numbers and issues it."""
        r = self.new_rehearsal()
        signer = self.cast.signer(index)
        return [
            *self._drafted(r, letter, d, -5, 10, signer),
            *self._approved(r, d, self._day(-1)),
            (f"{self._day(0)} 08:30", lambda: r.do(signer, "sign", {"decision": "sign", "comment": ""})),
        ]

    def just_issued(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Issued yesterday: every unit has it to acknowledge."""
        r = self.new_rehearsal()
        signer = self.cast.signer(index)
        return [
            *self._drafted(r, letter, d, -6, 8, signer),
            *self._approved(r, d, self._day(-3)),
            *self._signed_and_issued(r, signer, -2),
        ]

    def with_units(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Issued two weeks ago, the deadline in two days: a third reported, a third at work, a third silent."""
        r = self.new_rehearsal()
        signer = self.cast.signer(index)
        report_day = self._day(-3)

        def acknowledge() -> None:
            for position, unit in enumerate(self._units(r)):
                if position % 3 != 2:
                    r.do(self.cast.officers[unit], "acknowledge", {"acknowledge_note": ""}, unit=unit)

        def report() -> None:
            data = r.data()
            for position, unit in enumerate(self._units(r)):
                if position % 3 == 0:
                    r.do(self.cast.officers[unit], "report", unit_report(letter, data, position, report_day), unit=unit)

        return [
            *self._drafted(r, letter, d, -12, 2, signer),
            *self._approved(r, d, self._day(-9)),
            *self._signed_and_issued(r, signer, -9),
            (f"{self._day(-7)} 09:00", acknowledge),
            (f"{report_day} 10:00", report),
        ]

    def to_consolidate(self, letter: Letter, index: int, d: Division) -> list[Step]:
        """Every unit reported and was accepted; the report upward waits, drafted, for the specialist."""
        r = self.new_rehearsal()
        signer = self.cast.signer(index)
        report_day = self._day(-6)

        def all_report() -> None:
            data = r.data()
            for position, unit in enumerate(self._units(r)):
                officer = self.cast.officers[unit]
                r.do(officer, "acknowledge", {"acknowledge_note": ""}, unit=unit)
                r.do(officer, "report", unit_report(letter, data, position, report_day), unit=unit)

        def all_accepted() -> None:
            for unit in self._units(r):
                r.do(d.specialist, "review_report", {"decision": "accept", "comment": ""}, unit=unit)

        return [
            *self._drafted(r, letter, d, -20, -3, signer),
            *self._approved(r, d, self._day(-17)),
            *self._signed_and_issued(r, signer, -17),
            (f"{report_day} 10:00", all_report),
            (f"{self._day(-2)} 10:00", all_accepted),
        ]


Plan = Callable[[Letter, int, Division], list[Step]]


def plans_for(maker: SampleMaker) -> list[tuple[Plan, Division]]:
    """The cases to create and the division leading each.

    The first division leads every stage; each further one (up to ``DIVISIONS_WITH_OWN_CASES``)
    gets a draft to write and one to check, so that its head and specialist have work too.
    """
    first, *others = maker.cast.divisions
    plans: list[tuple[Plan, Division]] = [
        (maker.awaiting_instruction, first),
        (maker.drafting, first),
        (maker.awaiting_review, first),
        (maker.awaiting_signature, first),
        (maker.awaiting_signature, first),
        (maker.awaiting_issue, first),
        (maker.just_issued, first),
        (maker.with_units, first),
        (maker.to_consolidate, first),
    ]
    for division in others[: DIVISIONS_WITH_OWN_CASES - 1]:
        plans += [(maker.drafting, division), (maker.awaiting_review, division)]
    return plans


def create_samples(
    new_rehearsal: Callable[[], Rehearsal], cast: Cast, today: date, letters: list[Letter] | None = None
) -> int:
    """One case at each stage an officer meets (two awaiting signature), played in time order."""
    maker = SampleMaker(new_rehearsal, cast, today, WorkingCalendar())
    plans = plans_for(maker)
    letters = load_letters() if letters is None else letters
    if len(letters) < len(plans):
        raise SamplesRefused(f"{len(plans)} sample letters are needed, the data file has {len(letters)}")
    steps = [step for index, (plan, d) in enumerate(plans) for step in plan(letters[index], index, d)]
    clock = new_rehearsal()
    # One timeline for all cases, so that the audit trail reads in the order things happened.
    for moment, action in sorted(steps, key=lambda step: step[0]):
        clock.at(moment)
        action()
    clock.tick()
    return len(plans)
