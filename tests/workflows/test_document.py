"""The công văn composed from the case's data in the ND30 layout, and its HTML page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.workflows.reference_text import assert_in_order, plain, reference_document, seed_lines, visible_lines
from workflows.directive import reference_case
from workflows.directive.document import (
    addressee_block,
    compose_for_case,
    date_line,
    signature_block,
)
from workflows.directive.rendering import render_html
from workflows.orgchart.loader import LoadSummary
from workflows.registers.models import OutgoingDocument


def test_reference_draft_renders_every_line_of_the_reference_document(
    db_session: Session, org_chart: LoadSummary
) -> None:
    seed = seed_lines()

    assert_in_order(seed, visible_lines(render_html(reference_document(db_session))))


def test_rendering_adds_the_two_header_blocks(db_session: Session, org_chart: LoadSummary) -> None:
    lines = visible_lines(render_html(reference_document(db_session)))

    assert lines[:4] == [
        "UBND TỈNH LẠNG SƠN",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]


def test_reference_draft_reads_its_codes_and_names_from_the_org_chart(
    db_session: Session, org_chart: LoadSummary
) -> None:
    document = reference_document(db_session)

    assert document.number_line == "Số: /SVHTTDL-QLVHGĐ"
    assert document.date_line == "Lạng Sơn, ngày    tháng    năm 2023"
    assert document.distribution[0] == "- Như trên; (T/h)"
    assert document.distribution[-1] == "- Lưu: VT, QLVH&GĐ(HVĐ)."
    assert document.signature_titles == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert document.signer_name == "Phan Văn Hòa"


def test_issued_document_shows_its_number_and_day(db_session: Session, org_chart: LoadSummary) -> None:
    issued = OutgoingDocument(
        agency_code="SVHTTDL",
        sequence_key="CV",
        year=2023,
        number=1,
        notation="01/SVHTTDL-QLVHGĐ",
        document_type="CV",
        subject=reference_case.SUBJECT,
        issued_date=date(2023, 3, 9),
        drafting_unit="QLVHGD",
        signer_username="pgd.hoa",
        signer_capacity="KT.",
    )

    document = reference_document(db_session, issued)

    assert document.number_line == "Số: 01/SVHTTDL-QLVHGĐ"
    assert document.date_line == "Lạng Sơn, ngày 09 tháng 3 năm 2023"
    lines = visible_lines(render_html(document))
    assert "Số: 01/SVHTTDL-QLVHGĐ" in lines
    assert "Lạng Sơn, ngày 09 tháng 3 năm 2023" in lines


def test_director_signs_in_own_name(db_session: Session, org_chart: LoadSummary) -> None:
    data: dict[str, Any] = {**reference_case.INSTRUCTION, **reference_case.draft(), "signer": "giamdoc"}

    document = compose_for_case(db_session, data, "cv.hvd", None, drafted_on=date(2023, 3, 8))

    assert document.signature_titles == ("GIÁM ĐỐC",)
    assert document.signer_name == "Lê Văn An"


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 3, 5), "Lạng Sơn, ngày 05 tháng 3 năm 2023"),
        (date(2024, 2, 15), "Lạng Sơn, ngày 15 tháng 02 năm 2024"),
        (date(2025, 1, 9), "Lạng Sơn, ngày 09 tháng 01 năm 2025"),
        (date(2023, 12, 31), "Lạng Sơn, ngày 31 tháng 12 năm 2023"),
        (date(2023, 10, 10), "Lạng Sơn, ngày 10 tháng 10 năm 2023"),
    ],
)
def test_date_line_follows_the_leading_zero_rules(on: date, expected: str) -> None:
    assert date_line("Lạng Sơn", on) == expected


def test_before_issue_the_number_day_and_month_are_blank() -> None:
    """The drafting date is not the letter's date: the clerk dates it when it is signed and issued."""
    document = plain(drafted_on=date(2024, 1, 20))

    assert document.number_line == "Số: /SVHTTDL-QLVHGĐ"
    assert document.date_line == "Lạng Sơn, ngày    tháng    năm 2024"


def test_after_issue_the_number_is_padded_and_the_day_filled() -> None:
    document = plain(number=7, issued_on=date(2023, 3, 9))

    assert document.number_line == "Số: 07/SVHTTDL-QLVHGĐ"
    assert document.date_line == "Lạng Sơn, ngày 09 tháng 3 năm 2023"


@pytest.mark.parametrize(
    ("capacity", "head", "own", "expected"),
    [
        ("KT.", "Giám đốc", "Phó Giám đốc", ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Phan Văn Hòa")),
        (None, "Giám đốc", "Giám đốc", ("GIÁM ĐỐC", "Phan Văn Hòa")),
        ("TL.", "Giám đốc", "Chánh Văn phòng", ("TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "Phan Văn Hòa")),
        ("TM.", "Ủy ban nhân dân", "Chủ tịch", ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Phan Văn Hòa")),
        ("TUQ.", "Giám đốc", "Trưởng phòng", ("TUQ. GIÁM ĐỐC", "TRƯỞNG PHÒNG", "Phan Văn Hòa")),
        ("Q.", "Giám đốc", "Phó Giám đốc", ("Q. GIÁM ĐỐC", "Phan Văn Hòa")),
    ],
)
def test_signature_block_follows_the_capacity(
    capacity: str | None, head: str, own: str, expected: tuple[str, ...]
) -> None:
    assert signature_block(capacity, head, own, "Phan Văn Hòa") == expected


def test_unknown_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        signature_block("XX.", "Giám đốc", "Phó Giám đốc", "Phan Văn Hòa")


def test_kinh_gui_lines_end_with_semicolons_and_the_last_with_a_full_stop() -> None:
    assert addressee_block(["A", "B;", "C"]) == ("Kính gửi:", "- A;", "- B;", "- C.")
    with pytest.raises(ValueError):
        addressee_block([])


def test_one_addressee_stays_on_the_kinh_gui_line() -> None:
    assert addressee_block(["Ban Tuyên giáo Tỉnh ủy;"]) == ("Kính gửi: Ban Tuyên giáo Tỉnh ủy.",)
    assert "Kính gửi: Ban Tuyên giáo Tỉnh ủy." in visible_lines(
        render_html(plain(addressees=["Ban Tuyên giáo Tỉnh ủy"]))
    )


@pytest.mark.parametrize(
    ("urgency", "mark"), [("khan", "KHẨN"), ("thuong_khan", "THƯỢNG KHẨN"), ("hoa_toc", "HỎA TỐC")]
)
def test_urgent_directive_carries_its_mark_under_the_subject(urgency: str, mark: str) -> None:
    lines = visible_lines(render_html(plain(urgency=urgency)))

    assert lines[lines.index("V/v Thử") + 1] == mark


def test_ordinary_directive_has_no_urgency_mark() -> None:
    lines = visible_lines(render_html(plain()))

    assert not {"KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"} & set(lines)


def test_tasks_are_numbered_and_distribution_carries_the_tags() -> None:
    document = plain(cc=[{"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"}, {"name": "Trang TTĐT Sở", "tag": ""}])

    assert document.paragraphs == ("Căn cứ.", "Mở đầu:", "1. Việc một.", "2. Việc hai.", "Kết./.")
    assert document.distribution == (
        "- Như trên; (T/h)",
        "- Ban TG Tỉnh ủy LS; (B/c)",
        "- Trang TTĐT Sở;",
        "- Lưu: VT, QLVH&GĐ(HVĐ).",
    )


def test_user_text_is_escaped_in_html() -> None:
    document = plain(subject="<script>alert(1)</script>", tasks=["a & <b>b</b>"])

    page = render_html(document)

    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "V/v <script>alert(1)</script>" in visible_lines(page)
    assert "1. a & <b>b</b>" in visible_lines(page)


def test_html_page_prints_on_a4_in_times_new_roman() -> None:
    page = render_html(replace(plain(), signer_name="X"))

    assert "size: A4" in page
    assert "Times New Roman" in page
    assert "margin: 20mm 15mm 20mm 30mm" in page
