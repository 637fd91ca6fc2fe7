"""The reminder letter of a round (công văn đôn đốc), drafted by the product in the layout of ND30.

Its subject reads "V/v đôn đốc <the directive's subject> (lần N)"; its body cites the directive
in full on first mention ("Ngày dd/mm/yyyy, <agency> ban hành Công văn số … về việc …"), as ND30
asks of a citation; Kính gửi names exactly the units chosen; and it sets the new deadline. The
specialist may edit subject and body; names, codes and the signature come from the org chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from workflows.directive.document import Document, _parties, compose
from workflows.orgchart.directory import OrgDirectory
from workflows.registers.models import OutgoingDocument


def dmy(day: date) -> str:
    """A day as the letter writes it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _lower_first(text: str) -> str:
    # "Đẩy mạnh …" reads "đôn đốc đẩy mạnh …"; an acronym ("UBND …") keeps its capitals.
    text = text.strip()
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def round_subject(directive_subject: str, number: int) -> str:
    """The trích yếu after "V/v": "đôn đốc <subject> (lần N)"."""
    return f"đôn đốc {_lower_first(directive_subject)} (lần {number})"


@dataclass(frozen=True)
class Directive:
    """What the letter cites of the directive it chases."""

    notation: str
    issued_on: date
    subject: str
    agency_name: str
    division_name: str
    original_deadline: date | None
    #: Whether the directive asked the units to report, or only to acknowledge and carry it out.
    report_required: bool = True


def directive_of(session: Session, case_data: Mapping[str, Any]) -> Directive:
    """The issued directive of a case, from its data and the org chart."""
    issued = case_data.get("directive") or {}
    if not issued.get("notation"):
        raise LookupError("the directive has not been issued")
    directory = OrgDirectory(session)
    agency = directory.unit(str(case_data.get("agency") or ""))
    division = directory.unit(str(case_data.get("lead_division") or ""))
    deadline = case_data.get("report_deadline")
    return Directive(
        notation=str(issued["notation"]),
        issued_on=date.fromisoformat(str(issued["date"])),
        subject=str(case_data.get("draft_subject") or ""),
        agency_name=agency.short_name if agency is not None else str(case_data.get("agency") or ""),
        division_name=division.name if division is not None else str(case_data.get("lead_division") or ""),
        original_deadline=date.fromisoformat(str(deadline)) if deadline else None,
        report_required=case_data.get("report_required", "yes") != "no",
    )


def round_body(directive: Directive, deadline: date) -> str:
    """The letter's text, paragraphs separated by a blank line."""
    asked = (
        f", đề nghị các đơn vị báo cáo kết quả thực hiện trước ngày {dmy(directive.original_deadline)}"
        if directive.original_deadline is not None
        else ""
    )
    agency = directive.agency_name
    if not directive.report_required:
        return "\n\n".join(
            [
                f"Ngày {dmy(directive.issued_on)}, {agency} ban hành Công văn số {directive.notation} "
                f"về việc {directive.subject}.",
                "Đến nay, các đơn vị nêu trên chưa tiếp nhận công văn theo yêu cầu.",
                f"{agency} đề nghị các đơn vị khẩn trương tiếp nhận, triển khai thực hiện nội dung Công văn số "
                f"{directive.notation} và xác nhận đã tiếp nhận trên hệ thống trước ngày {dmy(deadline)}./.",
            ]
        )
    return "\n\n".join(
        [
            f"Ngày {dmy(directive.issued_on)}, {agency} ban hành Công văn số {directive.notation} "
            f"về việc {directive.subject}{asked}.",
            "Đến nay, các đơn vị nêu trên chưa tiếp nhận công văn hoặc chưa gửi báo cáo kết quả thực hiện "
            "theo yêu cầu.",
            f"Để kịp thời tổng hợp, báo cáo theo quy định, {agency} đề nghị các đơn vị khẩn trương triển khai "
            f"thực hiện nội dung Công văn số {directive.notation} và gửi báo cáo kết quả về {agency} "
            f"(qua {directive.division_name}) trước ngày {dmy(deadline)}./.",
        ]
    )


def paragraphs(body: str) -> tuple[str, ...]:
    """The paragraphs of an edited body: blank lines separate them."""
    blocks = [" ".join(line.strip() for line in block.splitlines()).strip() for block in body.split("\n\n")]
    return tuple(block for block in blocks if block)


def round_document(
    session: Session,
    data: Mapping[str, Any],
    issued: OutgoingDocument | None,
    *,
    drafted_on: date | None = None,
) -> Document:
    """The round's letter as printed: from its process data (subject, body, units) and the org chart."""
    parties = _parties(
        session, {"signer": data["signer"], "lead_division": data["lead_division"]}, str(data["drafter"]), issued
    )
    document = compose(
        **parties.compose_kwargs(),
        number=None,
        issued_on=issued.issued_date if issued is not None else None,
        drafted_on=drafted_on,
        subject=str(data["letter_subject"]),
        addressees=[str(name) for name in data["round_addressees"]],
        basis="",
        intro="",
        tasks=[],
        closing="",
        cc=[],
        urgency=str(data.get("urgency") or "thuong"),
    )
    document = replace(document, paragraphs=paragraphs(str(data["letter_body"])))
    return document if issued is None else replace(document, number_line=f"Số: {issued.notation}")


def unit_names(session: Session, codes: Sequence[str]) -> list[str]:
    """The names of the chosen units, as Kính gửi lists them."""
    directory = OrgDirectory(session)
    return [unit.name if (unit := directory.unit(code)) is not None else code for code in codes]
