"""What a receiver refuses in a package, and the bilingual reasons `PackageInvalid` carries."""

from __future__ import annotations

from typing import Final

from workflows.exchange import PackageInvalid
from workflows.exchange.header import PRIORITIES, SUBJECT_MAX_LENGTH, Header, nfc

#: A package larger than this is refused before it is parsed.
MAX_PACKAGE_BYTES: Final = 20 * 1024 * 1024
#: Its base64 text fills libxml2's limit of 10,000,000 characters for one text node.
MAX_ATTACHMENT_BYTES: Final = 7_500_000

_HEAD = "MessageHeader"


def check_header(header: Header) -> None:
    """Refuse a header that a receiver would refuse: a required value blank, a bad subject or priority."""
    if not header.to_organs:
        raise missing(f"{_HEAD}/To")
    for where, value in _required_values(header):
        if not value.strip():
            raise missing(where)
    length = len(nfc(header.subject))
    if length > SUBJECT_MAX_LENGTH:
        raise PackageInvalid(
            f"Trích yếu (Subject) dài {length} ký tự, vượt quá giới hạn {SUBJECT_MAX_LENGTH} ký tự.",
            f"The Subject is {length} characters long, more than the limit of {SUBJECT_MAX_LENGTH}.",
        )
    if header.other_info.priority not in PRIORITIES:
        raise bad_value(
            f"{_HEAD}/OtherInfo/Priority", str(header.other_info.priority), "số 0 đến 3", "a number from 0 to 3"
        )


def _required_values(header: Header) -> list[tuple[str, str]]:
    values = [
        (f"{_HEAD}/From/OrganId", header.from_organ.organ_id),
        (f"{_HEAD}/From/OrganName", header.from_organ.organ_name),
    ]
    for index, organ in enumerate(header.to_organs, 1):
        values += [
            (f"{_HEAD}/To[{index}]/OrganId", organ.organ_id),
            (f"{_HEAD}/To[{index}]/OrganName", organ.organ_name),
        ]
    values += [
        (f"{_HEAD}/DocumentId", header.document_id),
        (f"{_HEAD}/Code/CodeNumber", header.code.number),
        (f"{_HEAD}/Code/CodeNotation", header.code.notation),
        (f"{_HEAD}/PromulgationInfo/Place", header.promulgation_info.place),
        (f"{_HEAD}/DocumentType/Type", header.document_type.type_code),
        (f"{_HEAD}/DocumentType/TypeName", header.document_type.type_name),
        (f"{_HEAD}/Subject", header.subject),
        (f"{_HEAD}/SignerInfo/Position", header.signer_info.position),
        (f"{_HEAD}/SignerInfo/FullName", header.signer_info.full_name),
    ]
    values += [("TraceHeaderList/TraceHeader/OrganId", trace.organ_id) for trace in header.trace_headers]
    return values


def missing(where: str) -> PackageInvalid:
    """The element at path ``where`` (e.g. "MessageHeader/Code") is absent or empty."""
    return PackageInvalid(
        f"Gói tin thiếu phần tử bắt buộc {where}, hoặc phần tử này rỗng.",
        f"The package lacks the required element {where}, or it is empty.",
    )


def bad_value(where: str, value: str, wanted_vi: str, wanted_en: str) -> PackageInvalid:
    """The element at path ``where`` holds ``value`` where something else is wanted."""
    return PackageInvalid(
        f"Phần tử {where} có giá trị không hợp lệ {value!r}; cần {wanted_vi}.",
        f"The element {where} has the invalid value {value!r}; expected {wanted_en}.",
    )


def empty_attachment(index: int, name: str) -> PackageInvalid:
    """The ``index``-th file (from 1) has no content."""
    return PackageInvalid(
        f"Tệp đính kèm thứ {index} ({name}) rỗng.",
        f"Attachment {index} ({name}) is empty.",
    )


def attachment_too_large(index: int, name: str) -> PackageInvalid:
    """The ``index``-th file (from 1) is over `MAX_ATTACHMENT_BYTES`."""
    return PackageInvalid(
        f"Tệp đính kèm thứ {index} ({name}) lớn hơn giới hạn {MAX_ATTACHMENT_BYTES} byte.",
        f"Attachment {index} ({name}) is larger than the limit of {MAX_ATTACHMENT_BYTES} bytes.",
    )


def too_large(size: int, limit: int) -> PackageInvalid:
    """The package is ``size`` bytes, over ``limit``."""
    megabytes = f"{limit / 1024 / 1024:g} MB"
    return PackageInvalid(
        f"Gói tin lớn {size} byte, vượt quá giới hạn {limit} byte ({megabytes}).",
        f"The package is {size} bytes, more than the limit of {limit} bytes ({megabytes}).",
    )
