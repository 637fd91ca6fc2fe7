"""Packages in the edXML format of QCVN 102:2016/BTTTT, exchanged over the interconnection axis.

What this follows. The text of the standard was not at hand; the structure is that of the public
implementations found in a code index: the Bkav eDoc SDK in Java (``com.bkav.edoc.sdk``:
``EdXmlConstant``, ``XmlUtils``, ``ArchiveMime.createMime``), the Bkav eDoc service's checker
(``com.bkav.edoc.service.commonutil.Checker``: Subject at most 500 characters, To required), and a
builder written from the C# SDK sample of an EDOC axis (``edoc_new.edxml``). Both produce one XML
document, all elements in the namespace ``NAMESPACE``::

    <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
      <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
        <edXML:edXMLHeader>
          <edXML:MessageHeader> From, To…, DocumentId, Code, PromulgationInfo, DocumentType,
            Subject, Content, SignerInfo, DueDate, ToPlaces, OtherInfo </edXML:MessageHeader>
          <edXML:TraceHeaderList> TraceHeader(OrganId, Timestamp)… </edXML:TraceHeaderList>
        </edXML:edXMLHeader>
        <edXML:edXMLBody> edXMLManifest: one Reference(ContentId "cid:…", ContentType,
          AttachmentName, Description) per file </edXML:edXMLBody>
      </edXML:edXMLEnvelope>
      <AttachmentEncoded> Attachment(ContentId, AttachmentName, Description, ContentType,
        ContentTransferEncoded = the file in base64)… </AttachmentEncoded>
    </edXML>

Files therefore travel base64 inside the XML, as in those implementations, not as MIME parts
(Bkav's writer is named ``createMime`` but writes this XML; whether the standard's text also
describes a MIME multipart wrapping could not be checked).
Dates are written yyyy/MM/dd and timestamps yyyy/MM/dd HH:mm:ss (the SDKs' default formats);
dd/MM/yyyy (which Bkav writes for PromulgationDate) and ISO dates are read as well.

Simplified: no digital signature (``Signature``), no ``Business`` block in the trace list, no
``Appendixes``, ``SteeringType``, ``OrganizationInCharge``, ``ResponseFor`` or status messages;
the reader ignores those elements when present. ``DocumentType/Type`` is kept as text: the SDKs
write a number there (18 for công văn in the C# sample), whose code list was not verified; nor was
the code list of ``OtherInfo/Priority`` (read here as 0 thường to 3 hỏa tốc).

Reading is defensive: the size is checked before parsing, the parser loads no DTD, resolves no
entity and uses no network, and a package with any DOCTYPE is refused. libxml2's limit on one text
node (10,000,000 characters) stays on, so one file is at most `MAX_ATTACHMENT_BYTES`.
"""

from __future__ import annotations

import binascii
import re
import uuid
from base64 import b64encode
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from lxml import etree

from workflows.exchange import PackageInvalid
from workflows.exchange.checks import (
    MAX_ATTACHMENT_BYTES,
    MAX_PACKAGE_BYTES,
    attachment_too_large,
    bad_value,
    check_header,
    empty_attachment,
    missing,
    too_large,
)
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
    join_notation,
    local_time,
    nfc,
    split_notation,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_PACKAGE_BYTES",
    "NAMESPACE",
    "Attachment",
    "Code",
    "DocumentType",
    "Header",
    "Organ",
    "OtherInfo",
    "Package",
    "PackageInvalid",
    "PromulgationInfo",
    "SignerInfo",
    "TraceHeader",
    "build_package",
    "join_notation",
    "read_package",
    "split_notation",
]

NAMESPACE: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

_PREFIX = "edXML"
_DATE_FORMAT = "%Y/%m/%d"
_DATE_FORMATS_READ = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d")
_TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"
_TIMESTAMP_FORMATS_READ = ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
_COUNT = re.compile(r"[0-9]{1,9}")
_HEAD = "MessageHeader"


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


# --- Writing ----------------------------------------------------------------------------------


def build_package(header: Header, attachments: Sequence[Attachment] = ()) -> bytes:
    """The package of ``header`` and ``attachments`` as UTF-8 XML; PackageInvalid if a receiver would refuse it."""
    check_header(header)
    files = tuple(attachments)
    for index, attachment in enumerate(files, 1):
        if not attachment.data:
            raise empty_attachment(index, attachment.name)
        if len(attachment.data) > MAX_ATTACHMENT_BYTES:
            raise attachment_too_large(index, attachment.name)
    root = etree.Element(_q("edXML"), nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={_PREFIX: NAMESPACE})
    envelope_header = _element(envelope, "edXMLHeader")
    _write_message_header(_element(envelope_header, _HEAD), header)
    trace_list = _element(envelope_header, "TraceHeaderList")
    for trace in header.trace_headers:
        trace_element = _element(trace_list, "TraceHeader")
        _leaf(trace_element, "OrganId", trace.organ_id)
        _leaf(trace_element, "Timestamp", local_time(trace.timestamp).strftime(_TIMESTAMP_FORMAT))
    # Content ids only pair a manifest entry with its file; derived, so that a build is repeatable.
    content_ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{header.document_id}#{i}")) for i in range(len(files))]
    manifest = _element(_element(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    for content_id, attachment in zip(content_ids, files, strict=True):
        reference = _element(manifest, "Reference")
        _leaf(reference, "ContentId", f"cid:{content_id}")
        _leaf(reference, "ContentType", attachment.content_type)
        _leaf(reference, "AttachmentName", attachment.name)
        _leaf(reference, "Description", attachment.name)
    if files:
        encoded = _element(root, "AttachmentEncoded")
        for content_id, attachment in zip(content_ids, files, strict=True):
            item = _element(encoded, "Attachment")
            _leaf(item, "ContentId", content_id)
            _leaf(item, "AttachmentName", attachment.name)
            _leaf(item, "Description", attachment.name)
            _leaf(item, "ContentType", attachment.content_type)
            # One line: some readers (Java's Base64.getDecoder(), in one public gateway) refuse line breaks.
            _leaf(item, "ContentTransferEncoded", b64encode(attachment.data).decode("ascii"))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if len(data) > MAX_PACKAGE_BYTES:
        raise too_large(len(data), MAX_PACKAGE_BYTES)
    return data


def _write_message_header(message: Any, header: Header) -> None:
    _write_organ(_element(message, "From"), header.from_organ)
    for organ in header.to_organs:
        _write_organ(_element(message, "To"), organ)
    _leaf(message, "DocumentId", header.document_id)
    code = _element(message, "Code")
    _leaf(code, "CodeNumber", header.code.number)
    _leaf(code, "CodeNotation", header.code.notation)
    promulgation = _element(message, "PromulgationInfo")
    _leaf(promulgation, "Place", header.promulgation_info.place)
    _leaf(promulgation, "PromulgationDate", header.promulgation_info.promulgation_date.strftime(_DATE_FORMAT))
    document_type = _element(message, "DocumentType")
    _leaf(document_type, "Type", header.document_type.type_code)
    _leaf(document_type, "TypeName", header.document_type.type_name)
    _leaf(message, "Subject", header.subject)
    _leaf(message, "Content", header.content)
    signer = _element(message, "SignerInfo")
    _leaf(signer, "Competence", header.signer_info.competence)
    _leaf(signer, "Position", header.signer_info.position)
    _leaf(signer, "FullName", header.signer_info.full_name)
    if header.due_date is not None:
        _leaf(message, "DueDate", header.due_date.strftime(_DATE_FORMAT))
    places = _element(message, "ToPlaces")
    for place in header.to_places:
        _leaf(places, "Place", place)
    other = header.other_info
    other_element = _element(message, "OtherInfo")
    _leaf(other_element, "Priority", str(other.priority))
    _leaf(other_element, "SphereOfPromulgation", other.sphere_of_promulgation)
    _leaf(other_element, "TyperNotation", other.typer_notation)
    _leaf(other_element, "PromulgationAmount", _str_or_none(other.promulgation_amount))
    _leaf(other_element, "PageAmount", _str_or_none(other.page_amount))


def _write_organ(element: Any, organ: Organ) -> None:
    _leaf(element, "OrganId", organ.organ_id)
    _leaf(element, "OrganName", organ.organ_name)
    _leaf(element, "OrganAdd", organ.organ_add)
    _leaf(element, "Email", organ.email)
    _leaf(element, "Telephone", organ.telephone)
    _leaf(element, "Fax", organ.fax)
    _leaf(element, "Website", organ.website)


def _element(parent: Any, name: str) -> Any:
    return etree.SubElement(parent, _q(name))


def _leaf(parent: Any, name: str, text: str | None) -> None:
    """A text element; an absent optional value writes nothing."""
    if text is not None:
        _element(parent, name).text = nfc(text)


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


# --- Reading ----------------------------------------------------------------------------------


def read_package(data: bytes) -> Package:
    """The header and files of the package ``data``; PackageInvalid naming what is wrong."""
    if not data:
        raise PackageInvalid("Gói tin rỗng.", "The package is empty.")
    if len(data) > MAX_PACKAGE_BYTES:
        raise too_large(len(data), MAX_PACKAGE_BYTES)
    root = _parse(data)
    envelope_header = _child(_child(root, "edXMLEnvelope", ""), "edXMLHeader", "edXMLEnvelope")
    message = _child(envelope_header, _HEAD, "")
    header = _read_header(message, envelope_header.find(_q("TraceHeaderList")))
    check_header(header)
    return Package(header, _read_attachments(root.find(_q("AttachmentEncoded"))))


def _parse(data: bytes) -> Any:
    # Refused before parsing too, as libxml2 may stop first on an entity bomb with another error; a
    # DOCTYPE this scan misses (UTF-16) is caught after parsing, when nothing has been resolved.
    if b"<!DOCTYPE" in data:
        raise _doctype()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        if "XML_PARSE_HUGE" in str(error) or "huge" in str(error).lower():
            raise PackageInvalid(
                "Gói tin có một nội dung văn bản quá dài (tệp đính kèm lớn hơn khoảng 7,5 MB).",
                "A text in the package is too long (an attachment larger than about 7.5 MB).",
            ) from error
        raise PackageInvalid(
            f"Gói tin không phải XML hợp lệ: {error}.", f"The package is not well-formed XML: {error}."
        ) from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _doctype()
    name = etree.QName(root)
    if name.localname != "edXML":
        raise PackageInvalid(
            f"Không phải gói tin edXML: phần tử gốc là <{name.localname}>, cần <edXML> "
            f"thuộc không gian tên {NAMESPACE}.",
            f"Not an edXML package: the root element is <{name.localname}>, not <edXML> in the namespace {NAMESPACE}.",
        )
    if name.namespace != NAMESPACE:
        found = name.namespace or "(không có)"
        raise PackageInvalid(
            f"Không phải gói tin edXML theo QCVN 102:2016: phần tử gốc <edXML> thuộc không gian tên "
            f"{found}, cần {NAMESPACE}.",
            f"Not an edXML package of QCVN 102:2016: the root <edXML> is in the namespace "
            f"{name.namespace or '(none)'}, not {NAMESPACE}.",
        )
    return root


def _doctype() -> PackageInvalid:
    return PackageInvalid(
        "Gói tin có khai báo DOCTYPE (DTD, thực thể); gói tin edXML không được chứa khai báo này.",
        "The package has a DOCTYPE declaration (DTD, entities); an edXML package must not have one.",
    )


def _read_header(message: Any, trace_list: Any) -> Header:
    code = _child(message, "Code", _HEAD)
    promulgation = _child(message, "PromulgationInfo", _HEAD)
    document_type = _child(message, "DocumentType", _HEAD)
    signer = _child(message, "SignerInfo", _HEAD)
    places = message.find(_q("ToPlaces"))
    other = message.find(_q("OtherInfo"))
    traces = () if trace_list is None else trace_list.findall(_q("TraceHeader"))
    return Header(
        from_organ=_read_organ(_child(message, "From", _HEAD)),
        to_organs=tuple(_read_organ(element) for element in message.findall(_q("To"))),
        document_id=_text(message, "DocumentId"),
        code=Code(_text(code, "CodeNumber"), _text(code, "CodeNotation")),
        promulgation_info=PromulgationInfo(
            _text(promulgation, "Place"),
            _required_date(promulgation, "PromulgationDate", f"{_HEAD}/PromulgationInfo/PromulgationDate"),
        ),
        document_type=DocumentType(_text(document_type, "Type"), _text(document_type, "TypeName")),
        subject=_text(message, "Subject"),
        signer_info=SignerInfo(_text(signer, "Competence"), _text(signer, "Position"), _text(signer, "FullName")),
        to_places=() if places is None else tuple(filter(None, map(_content, places.findall(_q("Place"))))),
        other_info=OtherInfo() if other is None else _read_other_info(other),
        content=_text(message, "Content") or None,
        due_date=_date(_text(message, "DueDate"), f"{_HEAD}/DueDate"),
        trace_headers=tuple(_read_trace(element) for element in traces),
    )


def _read_organ(element: Any) -> Organ:
    def optional(name: str) -> str | None:
        return _text(element, name) or None

    return Organ(
        _text(element, "OrganId"),
        _text(element, "OrganName"),
        organ_add=optional("OrganAdd"),
        email=optional("Email"),
        telephone=optional("Telephone"),
        fax=optional("Fax"),
        website=optional("Website"),
    )


def _read_other_info(element: Any) -> OtherInfo:
    where = f"{_HEAD}/OtherInfo"
    priority = _count(_text(element, "Priority"), f"{where}/Priority")
    return OtherInfo(
        priority=0 if priority is None else priority,
        sphere_of_promulgation=_text(element, "SphereOfPromulgation") or None,
        typer_notation=_text(element, "TyperNotation") or None,
        promulgation_amount=_count(_text(element, "PromulgationAmount"), f"{where}/PromulgationAmount"),
        page_amount=_count(_text(element, "PageAmount"), f"{where}/PageAmount"),
    )


def _read_trace(element: Any) -> TraceHeader:
    where = "TraceHeaderList/TraceHeader/Timestamp"
    value = _text(element, "Timestamp")
    if not value:
        raise missing(where)
    for pattern in _TIMESTAMP_FORMATS_READ:
        try:
            return TraceHeader(_text(element, "OrganId"), datetime.strptime(value, pattern))
        except ValueError:
            continue
    raise bad_value(where, value, "thời điểm yyyy/MM/dd HH:mm:ss", "a yyyy/MM/dd HH:mm:ss time")


def _read_attachments(encoded: Any) -> tuple[Attachment, ...]:
    if encoded is None:
        return ()
    attachments = []
    for index, item in enumerate(encoded.findall(_q("Attachment")), 1):
        name = _text(item, "AttachmentName")
        if not name:
            raise missing(f"AttachmentEncoded/Attachment[{index}]/AttachmentName")
        text = "".join(_text(item, "ContentTransferEncoded").split())
        if not text:
            raise empty_attachment(index, name)
        try:
            data = binascii.a2b_base64(text, strict_mode=True)
        except binascii.Error as error:
            raise PackageInvalid(
                f"Tệp đính kèm thứ {index} ({name}): ContentTransferEncoded không phải base64 hợp lệ.",
                f"Attachment {index} ({name}): ContentTransferEncoded is not valid base64.",
            ) from error
        content_type = _text(item, "ContentType") or "application/octet-stream"
        attachments.append(Attachment(name, content_type, data))
    return tuple(attachments)


def _child(parent: Any, name: str, where: str) -> Any:
    element = parent.find(_q(name))
    if element is None:
        raise missing(f"{where}/{name}" if where else name)
    return element


def _content(element: Any) -> str:
    return nfc("".join(element.itertext()).strip())


def _text(parent: Any, name: str) -> str:
    """The text of the child ``name``, "" when it is absent or empty."""
    element = parent.find(_q(name))
    return "" if element is None else _content(element)


def _required_date(parent: Any, name: str, where: str) -> date:
    day = _date(_text(parent, name), where)
    if day is None:
        raise missing(where)
    return day


def _date(value: str, where: str) -> date | None:
    if not value:
        return None
    for pattern in _DATE_FORMATS_READ:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise bad_value(where, value, "ngày dạng yyyy/MM/dd", "a yyyy/MM/dd date")


def _count(value: str, where: str) -> int | None:
    if not value:
        return None
    if not _COUNT.fullmatch(value):
        raise bad_value(where, value, "số tự nhiên", "a whole number")
    return int(value)
