"""The directive's letters as edXML packages: an incoming package to the registration form, and
the header of an issued công văn or báo cáo.

The org chart has no electronic identifier (mã định danh, QĐ 20/2020/QĐ-TTg) for its units yet, so
organ ids are passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from workflows.exchange.header import (
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
from workflows.urgency import PRIORITY

#: ``DocumentType`` of the letters this workflow issues: the ND30 abbreviation and the name.
DOCUMENT_TYPES: Final = {"CV": "Công văn", "BC": "Báo cáo"}

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
    """The header of an issued letter: ``notation`` as printed ("01/SVHTTDL-QLVHGĐ"), sent at ``sent_at``.

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
