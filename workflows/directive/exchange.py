"""The directive's letters as edXML packages: an incoming package to the registration form, and
the header of an issued công văn or báo cáo.

A unit's electronic identifier (mã định danh, QĐ 20/2020/QĐ-TTg) comes from the org chart's
``organ_id``; until it is declared there the unit code stands in for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.directive.case_documents import DIRECTIVE, CaseDocument
from workflows.exchange.edxml import build_package
from workflows.exchange.header import (
    Attachment,
    Code,
    DocumentType,
    Header,
    Organ,
    OtherInfo,
    Package,
    PromulgationInfo,
    SignerInfo,
    TraceHeader,
    document_id,
    join_notation,
    local_time,
    split_notation,
)
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Setting, Unit
from workflows.urgency import PRIORITY

#: ``DocumentType`` of the letters this workflow issues: the ND30 abbreviation and the name.
DOCUMENT_TYPES: Final = {"CV": "Công văn", "BC": "Báo cáo"}

DOCX_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_URGENCY_OF_PRIORITY: Final = {priority: urgency for urgency, priority in PRIORITY.items()}


def incoming_fields(package: Package) -> dict[str, str]:
    """The fields of ``RegisterIncomingForm`` the package fills; the clerk adds the date received."""
    header = package.header
    return {
        "incoming_issuer": header.from_organ.organ_name,
        "incoming_number": join_notation(header.code.number, header.code.notation),
        "incoming_date": header.promulgation_info.promulgation_date.isoformat(),
        "incoming_subject": header.subject,
        "urgency": _URGENCY_OF_PRIORITY[header.other_info.priority],
    }


def sent_by_agency(session: Session, package: Package) -> bool:
    """Whether the package comes from the agency itself (its electronic identifier, or its code).

    A letter the agency sent comes back to it when it is among its own recipients or when a
    package is mistaken for an incoming one; registering it would open a case for the agency's
    own letter and give it an arrival number.
    """
    agency = session.scalar(select(Setting.value).where(Setting.key == "agency"))
    if not agency:
        return False
    own = {str(agency).casefold()}
    for organ_id in session.scalars(select(Unit.organ_id).where(Unit.code == str(agency))):
        if organ_id:
            own.add(organ_id.casefold())
    return package.header.from_organ.organ_id.strip().casefold() in own


def outgoing_header(
    *,
    organ_id: str,
    organ_name: str,
    notation: str,
    issued_on: date,
    place: str,
    type_code: str,
    subject: str,
    signer_capacity: str | None,
    signer_position: str,
    signer_name: str,
    recipients: Sequence[Organ],
    urgency: str,
    sent_at: datetime,
) -> Header:
    """The header of an issued letter: ``notation`` as printed ("01/SNN-TT"), sent at ``sent_at``.

    ``signer_capacity`` is "KT.", "TL.", … or None when the head signs; ``recipients`` become both
    the electronic addressees (To) and the printed ones (ToPlaces).
    """
    number, code_notation = split_notation(notation)
    return Header(
        from_organ=Organ(organ_id, organ_name),
        to_organs=tuple(recipients),
        document_id=document_id(organ_id, issued_on, number, code_notation),
        code=Code(number, code_notation),
        promulgation_info=PromulgationInfo(place, issued_on),
        document_type=DocumentType(type_code, DOCUMENT_TYPES[type_code]),
        subject=subject,
        signer_info=SignerInfo(signer_capacity or "", signer_position, signer_name),
        to_places=tuple(organ.organ_name for organ in recipients),
        other_info=OtherInfo(priority=PRIORITY[urgency]),
        trace_headers=(TraceHeader(organ_id, local_time(sent_at)),),
    )


def organ_of(unit: Unit) -> Organ:
    """A unit as edXML addresses it: its electronic identifier, or its code until one is declared."""
    return Organ(unit.organ_id or unit.code, unit.name, email=unit.email)


def directive_package(
    session: Session, found: CaseDocument, case_data: Mapping[str, Any], docx: bytes, sent_at: datetime
) -> bytes:
    """The edXML package of an issued công văn, addressed to its recipient units, with its DOCX.

    Only the directive travels this way: the report upward goes to a Party body, which is not on
    the state's interconnection axis.
    """
    if found.kind is not DIRECTIVE or found.issued is None:
        raise ValueError("only an issued directive is sent as an edXML package")
    issued = found.issued
    directory = OrgDirectory(session)
    agency = directory.unit(issued.agency_code)
    signer = directory.user(issued.signer_username)
    if agency is None or signer is None:
        raise LookupError(f"unknown agency {issued.agency_code!r} or signer {issued.signer_username!r}")
    recipients = [unit for code in case_data.get("recipients") or [] if (unit := directory.unit(str(code)))]
    place = session.scalar(select(Setting.value).where(Setting.key == "place_name"))
    header = outgoing_header(
        organ_id=organ_of(agency).organ_id,
        organ_name=agency.name,
        notation=issued.notation,
        issued_on=issued.issued_date,
        place=str(place or ""),
        type_code=issued.document_type,
        subject=issued.subject,
        signer_capacity=issued.signer_capacity,
        signer_position=signer.position_title,
        signer_name=signer.full_name,
        recipients=[organ_of(unit) for unit in recipients],
        urgency=str(case_data.get("draft_urgency") or "thuong"),
        sent_at=sent_at,
    )
    name = f"{found.document.file_stem}.docx"
    return build_package(header, [Attachment(name, DOCX_TYPE, docx)])
