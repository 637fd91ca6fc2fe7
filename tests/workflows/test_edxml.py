"""edXML packages (QCVN 102:2016): the reference directive travels intact, letter 2104-CV/BTGTU fills
the registration form, and malformed or hostile packages are refused with a reason naming the problem.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.directive import reference_case as case
from workflows.directive.exchange import incoming_fields, outgoing_header
from workflows.directive.forms import RegisterIncomingForm
from workflows.exchange.edxml import (
    MAX_PACKAGE_BYTES,
    NAMESPACE,
    Attachment,
    Code,
    Header,
    Organ,
    Package,
    PackageInvalid,
    build_package,
    join_notation,
    read_package,
    split_notation,
)
from workflows.orgchart.groups import resolve_recipients
from workflows.orgchart.loader import LoadSummary
from workflows.orgchart.models import Unit

# Made up, in the shape of a mã định danh: the seed org chart has no electronic identifiers.
SO_ID = "000.00.99.X01"
BAN_ID = "000.00.99.X02"
SO_NAME = "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn"
ISSUED_ON = date(2023, 3, 9)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The start of a zip archive, then every byte value: what base64 must carry unchanged.
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 64

NS = {"e": NAMESPACE}


def directive_header(recipients: Sequence[Organ]) -> Header:
    """The header of the Sở's công văn 01/SVHTTDL-QLVHGĐ answering letter 2104-CV/BTGTU."""
    return outgoing_header(
        organ_id=SO_ID,
        organ_name=SO_NAME,
        notation="01/SVHTTDL-QLVHGĐ",
        issued_on=ISSUED_ON,
        place="Lạng Sơn",
        type_code="CV",
        subject=case.SUBJECT,
        signer_capacity="KT.",
        signer_position="Phó Giám đốc",
        signer_name="Phan Văn Hòa",
        recipients=recipients,
        urgency="thuong",
        sent_at=datetime(2023, 3, 9, 15, 30),
    )


def incoming_header(
    *, subject: str = case.SUBJECT, issuer: str = "Ban Tuyên giáo Tỉnh ủy", urgency: str = "thuong"
) -> Header:
    """The header of letter 2104-CV/BTGTU as the Ban's system would send it (signer made up)."""
    return outgoing_header(
        organ_id=BAN_ID,
        organ_name=issuer,
        notation="2104-CV/BTGTU",
        issued_on=date(2023, 3, 3),
        place="Lạng Sơn",
        type_code="CV",
        subject=subject,
        signer_capacity=None,
        signer_position="Trưởng ban",
        signer_name="Nguyễn Văn An",
        recipients=[Organ(SO_ID, SO_NAME)],
        urgency=urgency,
        sent_at=datetime(2023, 3, 3, 16, 0),
    )


@pytest.fixture
def recipients(db_session: Session, org_chart: LoadSummary) -> list[Organ]:
    """The 29 units the directive's three recipient groups name, each with a made-up organ id."""
    codes = resolve_recipients(db_session, case.RECIPIENT_GROUPS, ISSUED_ON)
    names = dict(db_session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
    return [Organ(f"000.00.99.U{index:02d}", names[code]) for index, code in enumerate(codes, 1)]


# --- The reference case ------------------------------------------------------------------------


def test_the_reference_directive_travels_intact(recipients: list[Organ]) -> None:
    header = directive_header(recipients)
    letter = Attachment("01-SVHTTDL-QLVHGĐ.docx", DOCX_TYPE, DOCX)

    package = read_package(build_package(header, [letter]))

    assert package == Package(header, (letter,))
    assert package.attachments[0].data == DOCX
    assert len(package.header.to_places) == 29
    assert package.header.code == Code("01", "SVHTTDL-QLVHGĐ")
    assert package.header.document_id == f"{SO_ID},2023/03/09,01/SVHTTDL-QLVHGĐ"
    assert package.header.signer_info.competence == "KT."


def test_the_package_has_the_layout_of_the_public_sdks(recipients: list[Organ]) -> None:
    root = etree.fromstring(
        build_package(directive_header(recipients), [Attachment("cv.pdf", "application/pdf", DOCX)])
    )

    assert root.tag == f"{{{NAMESPACE}}}edXML"
    message = root.xpath("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", namespaces=NS)[0]
    assert message.findtext("e:PromulgationInfo/e:PromulgationDate", namespaces=NS) == "2023/03/09"
    assert message.findtext("e:Code/e:CodeNotation", namespaces=NS) == "SVHTTDL-QLVHGĐ"
    assert len(message.findall("e:To", namespaces=NS)) == 29
    reference = root.xpath("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference", namespaces=NS)[0]
    attachment = root.xpath("e:AttachmentEncoded/e:Attachment", namespaces=NS)[0]
    assert reference.findtext("e:ContentId", namespaces=NS) == "cid:" + attachment.findtext(
        "e:ContentId", namespaces=NS
    )


def test_letter_2104_fills_the_registration_form() -> None:
    fields = incoming_fields(read_package(build_package(incoming_header())))

    assert fields == {key: value for key, value in case.INCOMING.items() if key != "incoming_received_date"}
    # The clerk adds the day it arrived; the form then takes the rest as the package gave it.
    received = {**fields, "incoming_received_date": case.INCOMING["incoming_received_date"]}
    assert RegisterIncomingForm().load(received) == case.INCOMING


@pytest.mark.parametrize(
    ("urgency", "priority"), [("thuong", "0"), ("khan", "1"), ("thuong_khan", "2"), ("hoa_toc", "3")]
)
def test_urgency_travels_as_the_priority_code(urgency: str, priority: str) -> None:
    data = build_package(incoming_header(urgency=urgency))

    assert etree.fromstring(data).findtext(".//e:OtherInfo/e:Priority", namespaces=NS) == priority
    assert incoming_fields(read_package(data))["urgency"] == urgency


def test_vietnamese_text_arrives_composed() -> None:
    decomposed = unicodedata.normalize("NFD", case.SUBJECT)
    assert decomposed != case.SUBJECT

    data = build_package(
        incoming_header(subject=decomposed, issuer=unicodedata.normalize("NFD", "Ban Tuyên giáo Tỉnh ủy"))
    )

    assert case.SUBJECT.encode("utf-8") in data
    fields = incoming_fields(read_package(data))
    assert fields["incoming_subject"] == case.SUBJECT
    assert fields["incoming_issuer"] == "Ban Tuyên giáo Tỉnh ủy"


def test_dates_written_day_first_by_bkav_are_read() -> None:
    root = etree.fromstring(build_package(incoming_header()))
    root.find(".//e:PromulgationDate", namespaces=NS).text = "03/03/2023"

    assert incoming_fields(read_package(etree.tostring(root)))["incoming_date"] == "2023-03-03"


@pytest.mark.parametrize(
    ("printed", "parts"),
    [
        ("01/SVHTTDL-QLVHGĐ", ("01", "SVHTTDL-QLVHGĐ")),
        ("2104-CV/BTGTU", ("2104", "CV/BTGTU")),
        ("30/2020/NĐ-CP", ("30", "2020/NĐ-CP")),
    ],
)
def test_number_and_notation_split_and_join(printed: str, parts: tuple[str, str]) -> None:
    assert split_notation(printed) == parts
    assert join_notation(*parts) == printed


def test_text_without_a_number_is_not_a_notation() -> None:
    with pytest.raises(ValueError, match="not a number and notation"):
        split_notation("SVHTTDL-QLVHGĐ")


def test_a_subject_too_long_is_not_sent() -> None:
    with pytest.raises(PackageInvalid, match="501"):
        build_package(incoming_header(subject="a" * 501))


# --- Malformed and hostile packages -------------------------------------------------------------


def _valid() -> bytes:
    return build_package(incoming_header(), [Attachment("2104-CV-BTGTU.pdf", "application/pdf", b"%PDF-1.4 ...")])


def _edited(edit: Callable[[Any], None]) -> Callable[[Path], bytes]:
    """A maker of the valid package after ``edit`` was applied to its root element."""

    def make(tmp_path: Path) -> bytes:
        root = etree.fromstring(_valid())
        edit(root)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    return make


def _remove(path: str) -> Callable[[Any], None]:
    def edit(root: Any) -> None:
        element = root.xpath(path, namespaces=NS)[0]
        element.getparent().remove(element)

    return edit


def _set_text(path: str, text: str) -> Callable[[Any], None]:
    def edit(root: Any) -> None:
        root.xpath(path, namespaces=NS)[0].text = text

    return edit


def _with_doctype(doctype: str, subject: str) -> bytes:
    """The valid package with ``doctype`` before its root and ``subject`` as its Subject."""
    text = _valid().decode("utf-8").split("\n", 1)[1].replace(case.SUBJECT, subject)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{text}'.encode()


BILLION_LAUGHS = (
    "<!DOCTYPE edXML ["
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    + "]>"
)
SECRET = "mật khẩu không được đọc"


def _external_entity(tmp_path: Path) -> bytes:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return _with_doctype(f'<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', "&xxe;")


HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"

MALFORMED = [
    pytest.param(lambda _: b"", "rỗng", "empty", id="empty"),
    pytest.param(lambda _: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "không phải XML", "not well-formed XML", id="not-xml"),
    pytest.param(lambda _: HTML, "<html>", "<html>", id="html"),
    pytest.param(
        lambda _: _valid().replace(NAMESPACE.encode(), b"http://www.e-doc.vn/Schema/"),
        "không gian tên http://www.e-doc.vn/Schema/",
        "namespace http://www.e-doc.vn/Schema/",
        id="wrong-namespace",
    ),
    pytest.param(_edited(_remove("//e:Subject")), "MessageHeader/Subject", "MessageHeader/Subject", id="no-subject"),
    pytest.param(_edited(_remove("//e:Code")), "MessageHeader/Code", "MessageHeader/Code", id="no-code"),
    pytest.param(
        _edited(_set_text("//e:PromulgationDate", "2023-13-45")),
        "PromulgationDate có giá trị không hợp lệ '2023-13-45'",
        "PromulgationDate has the invalid value '2023-13-45'",
        id="bad-date",
    ),
    pytest.param(
        _edited(_set_text("//e:Subject", "a" * 501)), "dài 501 ký tự", "is 501 characters long", id="subject-501"
    ),
    pytest.param(
        _edited(_set_text("//e:ContentTransferEncoded", "JVBERi0xLjQ*!")),
        "không phải base64",
        "not valid base64",
        id="bad-base64",
    ),
    pytest.param(
        _edited(_set_text("//e:ContentTransferEncoded", "")),
        "(2104-CV-BTGTU.pdf) rỗng",
        "(2104-CV-BTGTU.pdf) is empty",
        id="empty-attachment",
    ),
    pytest.param(lambda _: _with_doctype(BILLION_LAUGHS, "&lol9;"), "DOCTYPE", "DOCTYPE", id="billion-laughs"),
    pytest.param(_external_entity, "DOCTYPE", "DOCTYPE", id="external-entity"),
    # Not XML either: the size is refused before any parsing.
    pytest.param(lambda _: b"<" * (MAX_PACKAGE_BYTES + 1), "(20 MB)", "(20 MB)", id="oversized"),
]


@pytest.mark.parametrize(("make", "reason_vi", "reason_en"), MALFORMED)
def test_a_malformed_package_is_refused_with_its_reason(
    make: Callable[[Path], bytes], reason_vi: str, reason_en: str, tmp_path: Path
) -> None:
    with pytest.raises(PackageInvalid) as caught:
        read_package(make(tmp_path))

    assert reason_vi in caught.value.reason_vi
    assert reason_en in caught.value.reason_en
    assert str(caught.value) == caught.value.reason_vi
    assert SECRET not in caught.value.reason_vi + caught.value.reason_en
