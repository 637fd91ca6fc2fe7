"""The công văn as structured text in the layout of Nghị định 30/2020 (docs/nd30.md §2).

`compose` builds a `Document` from plain values; `compose_for_case` reads those values from the
org chart and the case data. Rendering (HTML in `rendering`, DOCX in `word`) only lays out what is
composed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.directive.addressing import addressee_lines_for
from workflows.directive.dates import nd30_month
from workflows.directive.scripts import signer_capacity
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Setting, Unit, User
from workflows.orgchart.validation import HEAD_ROLE
from workflows.registers.models import OutgoingDocument

NATIONAL_NAME: Final = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO: Final = "Độc lập - Tự do - Hạnh phúc"
#: The tag of the action addressees ("Như trên" stands for the Kính gửi list).
AS_ABOVE: Final = "Như trên"
AS_ABOVE_TAG: Final = "T/h"


#: Độ khẩn marks (ND30 Phụ lục I, box 10b), by the urgency codes of the forms.
URGENCY_MARKS: Final = {"thuong": "", "khan": "KHẨN", "thuong_khan": "THƯỢNG KHẨN", "hoa_toc": "HỎA TỐC"}


@dataclass(frozen=True)
class Document:
    """A công văn or a báo cáo, element by element, each element already worded as printed.

    A công văn has no title and its subject reads "V/v …" under the number; a báo cáo has the
    title "BÁO CÁO" with the subject under it, in the middle of the page.
    """

    #: The cơ quan chủ quản line; empty when the agency has none and heads the block alone (ND30 Phụ lục I).
    parent_body: str
    issuing_body: str
    number_line: str
    date_line: str
    subject_line: str
    #: "Kính gửi:" and one "- …;" line per addressee, or the one line "Kính gửi: X." when alone.
    kinh_gui: tuple[str, ...]
    paragraphs: tuple[str, ...]
    distribution: tuple[str, ...]
    signature_titles: tuple[str, ...]
    signer_name: str
    title: str = ""
    urgency_mark: str = ""
    national_name: str = NATIONAL_NAME
    motto: str = MOTTO

    def lines(self) -> list[str]:
        """Every printed line in reading order: the headers, then the text as the seed lists it."""
        mark = [self.urgency_mark] if self.urgency_mark else []
        middle = [*mark, self.title, self.subject_line] if self.title else [self.subject_line, *mark]
        return [
            *([self.parent_body] if self.parent_body else []),
            self.issuing_body,
            self.national_name,
            self.motto,
            self.number_line,
            self.date_line,
            *middle,
            *self.kinh_gui,
            *self.paragraphs,
            "Nơi nhận:",
            *self.distribution,
            *self.signature_titles,
            self.signer_name,
        ]

    @property
    def file_stem(self) -> str:
        """A file name for downloads: the notation once numbered, else "du-thao" (draft)."""
        number = self.number_line.removeprefix("Số:").strip()
        if number.startswith("/"):
            return "du-thao"
        return number.replace("/", "_")


def number_line(number: int | None, agency_notation: str, division_notation: str) -> str:
    """ "Số: 01/<agency>-<division>"; before issue the number is left blank for the clerk."""
    shown = "" if number is None else f"{number:02d}"
    return f"Số: {shown}/{agency_notation}-{division_notation}"


def date_line(place: str, issued_on: date | None, drafted_on: date | None = None) -> str:
    """ "<place>, ngày 05 tháng 3 năm 2023": ND30 pads days below 10 and months 1 and 2 with 0."""
    if issued_on is not None:
        return f"{place}, ngày {issued_on.day:02d} tháng {nd30_month(issued_on.month)} năm {issued_on.year}"
    if drafted_on is not None:
        # Before issue day and month are blank (the letter is dated when it is signed and issued,
        # not when it was drafted); only the year is known.
        return f"{place}, ngày    tháng    năm {drafted_on.year}"
    return f"{place}, ngày tháng năm"


def addressee_block(lines: Sequence[str]) -> tuple[str, ...]:
    """The Kính gửi lines: "- …;" each, the last ending with "."; one addressee stays on one line."""
    cleaned = [line.strip().rstrip(";.").strip() for line in lines]
    if not cleaned:
        raise ValueError("a công văn needs at least one addressee")
    if len(cleaned) == 1:
        return (f"Kính gửi: {cleaned[0]}.",)
    return ("Kính gửi:", *(f"- {line}{'.' if i == len(cleaned) - 1 else ';'}" for i, line in enumerate(cleaned)))


def distribution_block(
    cc: Sequence[Mapping[str, str]], division_display_code: str, drafter_initials: str
) -> tuple[str, ...]:
    """Nơi nhận: "Như trên" (T/h), the copies with their tags, then "Lưu: VT, <division>(<initials>)."."""
    entries = [(AS_ABOVE, AS_ABOVE_TAG), *((item["name"], item.get("tag", "")) for item in cc)]
    lines = [f"- {name};{f' ({tag})' if tag else ''}" for name, tag in entries]
    lines.append(f"- Lưu: VT, {division_display_code}({drafter_initials}).")
    return tuple(lines)


def signature_block(
    capacity: str | None, head_title: str, signer_title: str, signer_name: str, collective_body: str = ""
) -> tuple[str, ...]:
    """The lines above and at the signature: authority mark and titles in capitals, then the name.

    None: the head signs ("GIÁM ĐỐC"); KT./TL./TUQ.: the mark with the head's title, then the
    signer's own title; TM.: the collective body, then the signer's title; Q.: "Q. GIÁM ĐỐC".
    An agency that works as a collective body (a People's Committee) signs on its behalf first:
    "TM. ỦY BAN NHÂN DÂN" above "CHỦ TỊCH", or above "KT. CHỦ TỊCH" and "PHÓ CHỦ TỊCH".
    """
    head = head_title.upper()
    own = signer_title.upper()
    on_behalf = (f"TM. {collective_body.upper()}",) if collective_body and capacity != "TM." else ()
    if capacity is None:
        return (*on_behalf, head, signer_name)
    if capacity == "Q.":
        return (*on_behalf, f"Q. {head}", signer_name)
    if capacity in ("KT.", "TL.", "TUQ.", "TM."):
        return (*on_behalf, f"{capacity} {head}", own, signer_name)
    raise ValueError(f"unknown signing capacity {capacity!r}")


def compose(
    *,
    parent_body: str,
    issuing_body: str,
    agency_notation: str,
    division_notation: str,
    division_display_code: str,
    place: str,
    number: int | None,
    issued_on: date | None,
    drafted_on: date | None,
    subject: str,
    addressees: Sequence[str],
    basis: str,
    intro: str,
    tasks: Sequence[str],
    closing: str,
    cc: Sequence[Mapping[str, str]],
    drafter_initials: str,
    capacity: str | None,
    head_title: str,
    signer_title: str,
    signer_name: str,
    urgency: str = "thuong",
    collective_body: str = "",
) -> Document:
    """The công văn from plain values; number and issue date are None before issue."""
    paragraphs = [basis, intro, *(f"{i}. {task}" for i, task in enumerate(tasks, start=1)), closing]
    *titles, name = signature_block(capacity, head_title, signer_title, signer_name, collective_body)
    return Document(
        parent_body=parent_body,
        issuing_body=issuing_body,
        number_line=number_line(number, agency_notation, division_notation),
        date_line=date_line(place, issued_on, drafted_on),
        subject_line=f"V/v {subject}",
        kinh_gui=addressee_block(addressees),
        paragraphs=tuple(p for p in (text.strip() for text in paragraphs) if p),
        distribution=distribution_block(cc, division_display_code, drafter_initials),
        signature_titles=tuple(titles),
        signer_name=name,
        urgency_mark=URGENCY_MARKS[urgency],
    )


@dataclass(frozen=True)
class _Parties:
    """Who and what a case's documents name, read from the org chart and the settings."""

    place: str
    parent: Unit | None
    agency: Unit
    division: Unit
    drafter: User
    signer: User
    capacity: str | None
    head: User
    #: The chart's ``collective_body`` setting: signatures then begin "TM. <it>".
    collective_body: str = ""

    @property
    def head_title(self) -> str:
        """Whom the signer signs for: the head's title, or the collective body itself for TM."""
        return self.agency.short_name if self.capacity == "TM." else self.head.position_title

    @property
    def parent_header(self) -> str:
        """The cơ quan chủ quản line, or "" when the chart names no parent body."""
        return _header(self.parent) if self.parent is not None else ""

    def compose_kwargs(self) -> dict[str, Any]:
        return {
            "parent_body": self.parent_header,
            "issuing_body": _header(self.agency),
            "agency_notation": self.agency.notation,
            "division_notation": self.division.notation,
            "division_display_code": self.division.display_code,
            "place": self.place,
            "drafter_initials": self.drafter.initials,
            "capacity": self.capacity,
            "head_title": self.head_title,
            "signer_title": self.signer.position_title,
            "signer_name": self.signer.full_name,
            "collective_body": self.collective_body,
        }


def _parties(
    session: Session, case_data: Mapping[str, Any], drafter_username: str, issued: OutgoingDocument | None
) -> _Parties:
    directory = OrgDirectory(session)
    settings = {row.key: row.value for row in session.scalars(select(Setting))}
    agency = _unit(directory, str(settings["agency"]))
    signer = _user(directory, str(issued.signer_username if issued is not None else case_data["signer"]))
    # The loaded chart was refused unless someone holds this role (workflows/orgchart/validation.py).
    heads = directory.holders(HEAD_ROLE, agency.code)
    if not heads:
        raise LookupError(f"no {HEAD_ROLE} of {agency.code}: the signature block needs the head's title")
    return _Parties(
        place=str(settings.get("place_name", "")),
        parent=_unit(directory, str(settings["parent_body"])) if settings.get("parent_body") else None,
        agency=agency,
        division=_unit(directory, str(case_data["lead_division"])),
        drafter=_user(directory, drafter_username),
        signer=signer,
        # The register keeps the capacity signed in; before that it follows today's roles.
        capacity=(
            issued.signer_capacity
            if issued is not None
            else signer_capacity(directory.roles_of(signer.username), agency.code, signer.signs_as)
        ),
        head=_user(directory, heads[0]),
        collective_body=str(settings.get("collective_body") or ""),
    )


def _numbered(document: Document, issued: OutgoingDocument | None) -> Document:
    # The register's notation is the one given out; never rebuild it from today's chart.
    return document if issued is None else replace(document, number_line=f"Số: {issued.notation}")


def compose_for_case(
    session: Session,
    case_data: Mapping[str, Any],
    drafter_username: str,
    issued: OutgoingDocument | None,
    *,
    drafted_on: date | None = None,
) -> Document:
    """The công văn of a case: texts from the draft step, names and codes from the org chart.

    `drafter_username` is who completed the draft step; `issued` the register row once numbered.
    """
    parties = _parties(session, case_data, drafter_username, issued)
    document = compose(
        **parties.compose_kwargs(),
        number=None,
        issued_on=issued.issued_date if issued is not None else None,
        drafted_on=drafted_on,
        subject=str(case_data["draft_subject"]),
        addressees=addressee_lines_for(
            session,
            list(case_data["recipient_groups"]),
            set(case_data.get("named_groups") or []),
            issued.issued_date if issued is not None else drafted_on,
        ),
        basis=str(case_data.get("draft_basis", "")),
        intro=str(case_data.get("draft_intro", "")),
        tasks=[str(task) for task in case_data.get("draft_tasks", [])],
        closing=str(case_data.get("draft_closing", "")),
        cc=[{"name": str(item["name"]), "tag": str(item.get("tag") or "")} for item in case_data.get("cc", [])],
        urgency=str(case_data.get("draft_urgency") or "thuong"),
    )
    return _numbered(document, issued)


#: Document type code of a báo cáo in the outgoing register.
REPORT_TYPE: Final = "BC"


def compose_report_for_case(
    session: Session,
    case_data: Mapping[str, Any],
    drafter_username: str,
    issued: OutgoingDocument | None,
    *,
    drafted_on: date | None = None,
) -> Document:
    """The báo cáo upward: "BÁO CÁO" and its subject, to the body that sent the incoming letter.

    The body is the specialist's text (one paragraph per line); the report goes to the issuer of
    the incoming letter, and is copied to the leaders and the registry.
    """
    parties = _parties(session, case_data, drafter_username, issued)
    *titles, name = signature_block(
        parties.capacity,
        parties.head_title,
        parties.signer.position_title,
        parties.signer.full_name,
        parties.collective_body,
    )
    issued_on = issued.issued_date if issued is not None else None
    issuer = str(case_data.get("incoming_issuer") or "")
    blank_number = f"Số: /{REPORT_TYPE}-{parties.agency.notation}"
    document = Document(
        parent_body=parties.parent_header,
        issuing_body=_header(parties.agency),
        number_line=blank_number,
        date_line=date_line(parties.place, issued_on, drafted_on),
        title="BÁO CÁO",
        subject_line=str(case_data.get("report_subject") or ""),
        kinh_gui=addressee_block([issuer]) if issuer else (),
        paragraphs=tuple(line.strip() for line in str(case_data.get("report_body") or "").splitlines() if line.strip()),
        distribution=(
            "- Như trên;",
            f"- Lãnh đạo {parties.agency.short_name};",
            f"- Lưu: VT, {parties.division.display_code}({parties.drafter.initials}).",
        ),
        signature_titles=tuple(titles),
        signer_name=name,
    )
    return _numbered(document, issued)


def _unit(directory: OrgDirectory, code: str) -> Unit:
    unit = directory.unit(code)
    if unit is None:
        raise LookupError(f"unknown unit {code!r}")
    return unit


def _user(directory: OrgDirectory, username: str) -> User:
    user = directory.user(username)
    if user is None:
        raise LookupError(f"unknown user {username!r}")
    return user


def _header(unit: Unit) -> str:
    return unit.header_name or unit.short_name.upper()
