"""The công văn as a DOCX download: every line in order, the ND30 page and fonts, and LibreOffice opens it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.document import Document as WordFile
from docx.shared import Length, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from sqlalchemy.orm import Session

from tests.workflows.reference_text import assert_in_order, plain, reference_document, seed_lines
from workflows.directive import reference_case
from workflows.directive.word import CENTER, render_docx
from workflows.orgchart.loader import LoadSummary
from workflows.registers.models import OutgoingDocument

FONT = "Times New Roman"
INSTALL_HINT = (
    "LibreOffice not found: install it with `apt-get install libreoffice-writer-nogui` (Debian) "
    "to check that the DOCX opens"
)
# A cold LibreOffice start takes a few seconds; a hung one must still fail the test.
SOFFICE_TIMEOUT_S = 60


def read_back(data: bytes) -> WordFile:
    """The DOCX as python-docx reads it, the way Word would open the download."""
    return docx.Document(io.BytesIO(data))


def paragraphs_of(word: WordFile) -> Iterator[Paragraph]:
    """Body paragraphs and table cell paragraphs, in document order (cells row by row)."""
    for block in word.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
        else:
            yield block


def text_lines(data: bytes) -> list[str]:
    """The non-empty printed lines of the DOCX."""
    return [paragraph.text for paragraph in paragraphs_of(read_back(data)) if paragraph.text.strip()]


def issued_row() -> OutgoingDocument:
    """The register row of the reference directive, numbered 01 on 9 March 2023."""
    return OutgoingDocument(
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


def test_reference_docx_holds_every_line_of_the_reference_document(db_session: Session, org_chart: LoadSummary) -> None:
    wanted = seed_lines()

    assert_in_order(wanted, text_lines(render_docx(reference_document(db_session))))


def test_docx_prints_every_line_of_the_document_in_reading_order(db_session: Session, org_chart: LoadSummary) -> None:
    document = reference_document(db_session)

    lines = text_lines(render_docx(document))

    wanted = [line for line in document.lines() if line]
    position = 0
    for line in wanted:
        assert line in lines[position:], f"line not found in order: {line!r}"
        position = lines.index(line, position) + 1


def _style_chain(style: ParagraphStyle | None) -> Iterator[ParagraphStyle]:
    while style is not None:
        yield style
        style = style.base_style


def _east_asian_font(run: Run, paragraph: Paragraph) -> str | None:
    # The slot Word and LibreOffice use for Vietnamese letters with stacked diacritics.
    for element in [run.element, *(style.element for style in _style_chain(paragraph.style))]:
        named = element.xpath("./w:rPr/w:rFonts/@w:eastAsia")
        if named:
            return str(named[0])
    return None


def _size(run: Run, paragraph: Paragraph) -> Length | None:
    sizes = [run.font.size, *(style.font.size for style in _style_chain(paragraph.style))]
    return next((size for size in sizes if size is not None), None)


def test_every_run_is_times_new_roman_between_11_and_14_points(db_session: Session, org_chart: LoadSummary) -> None:
    for document in (reference_document(db_session), plain(urgency="khan"), replace(plain(), title="BÁO CÁO")):
        word = read_back(render_docx(document))
        runs = [(run, p) for p in paragraphs_of(word) for run in p.runs if run.text.strip()]

        assert len(runs) >= len([line for line in document.lines() if line])
        for run, paragraph in runs:
            names = {run.font.name, *(style.font.name for style in _style_chain(paragraph.style))} - {None}
            assert names == {FONT}, f"{run.text!r} is in {names}"
            assert _east_asian_font(run, paragraph) == FONT, run.text
            size = _size(run, paragraph)
            assert size is not None, run.text
            assert Pt(11) <= size <= Pt(14), f"{run.text!r} is {size.pt} pt"


def test_page_is_a4_with_the_nd30_margins() -> None:
    section = read_back(render_docx(plain())).sections[0]

    assert section.page_width is not None
    assert section.page_height is not None
    assert (section.page_width.mm, section.page_height.mm) == (pytest.approx(210, abs=0.1), pytest.approx(297, abs=0.1))
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [margin.mm for margin in margins if margin is not None] == pytest.approx([20, 20, 30, 15], abs=0.1)


def test_header_blocks_and_signature_stand_side_by_side_without_borders(
    db_session: Session, org_chart: LoadSummary
) -> None:
    document = reference_document(db_session)
    word = read_back(render_docx(document))
    header, footer = word.tables[0], word.tables[-1]

    assert [p.text for p in header.cell(0, 0).paragraphs if p.text] == [document.parent_body, document.issuing_body]
    assert [p.text for p in header.cell(0, 1).paragraphs if p.text] == [document.national_name, document.motto]
    assert header.cell(1, 0).text == document.number_line
    assert header.cell(1, 1).text == document.date_line
    assert footer.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert [p.text for p in footer.cell(0, 1).paragraphs] == [*document.signature_titles, document.signer_name]
    # The short rules under the issuing body and under the motto; no table draws a grid.
    assert len(header._tbl.xpath(".//w:pBdr/w:bottom")) == 2
    assert not word.element.xpath("//w:tblBorders | //w:tcBorders")


def test_before_issue_the_number_and_day_are_blank(db_session: Session, org_chart: LoadSummary) -> None:
    lines = text_lines(render_docx(reference_document(db_session)))

    assert "Số: /SVHTTDL-QLVHGĐ" in lines
    assert "Lạng Sơn, ngày    tháng    năm 2023" in lines


def test_after_issue_the_number_and_day_are_filled(db_session: Session, org_chart: LoadSummary) -> None:
    lines = text_lines(render_docx(reference_document(db_session, issued_row())))

    assert "Số: 01/SVHTTDL-QLVHGĐ" in lines
    assert "Lạng Sơn, ngày 09 tháng 3 năm 2023" in lines
    assert "Số: /SVHTTDL-QLVHGĐ" not in lines


def test_report_shows_its_title_then_its_subject_under_the_header() -> None:
    document = replace(plain(), title="BÁO CÁO", subject_line="Kết quả tuyên truyền quý I năm 2023")

    lines = text_lines(render_docx(document))

    title = lines.index("BÁO CÁO")
    assert lines[title + 1] == "Kết quả tuyên truyền quý I năm 2023"
    assert lines.index(document.date_line) < title < lines.index(document.paragraphs[0])
    assert lines.count("Kết quả tuyên truyền quý I năm 2023") == 1


@pytest.mark.parametrize(
    ("urgency", "mark"), [("khan", "KHẨN"), ("thuong_khan", "THƯỢNG KHẨN"), ("hoa_toc", "HỎA TỐC")]
)
def test_urgent_directive_carries_its_mark_under_the_subject(urgency: str, mark: str) -> None:
    lines = text_lines(render_docx(plain(urgency=urgency)))

    assert lines[lines.index("V/v Thử") + 1] == mark


def test_ordinary_directive_has_no_urgency_mark() -> None:
    lines = text_lines(render_docx(plain()))

    assert not {"KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"} & set(lines)


def test_control_characters_in_user_text_are_dropped() -> None:
    document = plain(subject="Thử\x00 nghiệm\x07\x1b", tasks=["Việc\x0b một\ud800.", "Việc\x0c hai."])

    lines = text_lines(render_docx(document))

    assert "V/v Thử nghiệm" in lines
    assert "1. Việc một." in lines
    assert "2. Việc hai." in lines
    assert not [line for line in lines if any(ord(char) < 0x20 or 0xD800 <= ord(char) <= 0xDFFF for char in line)]


# -- LibreOffice ---------------------------------------------------------------------------------


def require_soffice(environ: Mapping[str, str]) -> str:
    """LibreOffice's `soffice`, or a skip saying how to install it; under CI=true a failure."""
    found = shutil.which("soffice")
    if found is not None:
        return found
    if environ.get("CI") == "true":
        pytest.fail(f"{INSTALL_HINT} (CI=true: the DOCX must be checked in LibreOffice)")
    pytest.skip(INSTALL_HINT)


def libreoffice_text(soffice: str, data: bytes, folder: Path) -> list[str]:
    """The lines LibreOffice reads from the DOCX, exported as UTF-8 text with a throw-away profile."""
    source = folder / "cong-van.docx"
    source.write_bytes(data)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=SOFFICE_TIMEOUT_S,
    )
    text = (folder / "cong-van.txt").read_text(encoding="utf-8-sig")
    return [line for line in text.splitlines() if line.strip()]


def test_libreoffice_opens_the_docx_and_reads_every_line(
    db_session: Session, org_chart: LoadSummary, tmp_path: Path
) -> None:
    soffice = require_soffice(os.environ)
    wanted = seed_lines()
    document = reference_document(db_session)

    lines = libreoffice_text(soffice, render_docx(document), tmp_path)

    assert_in_order(wanted, lines)
    assert_in_order([line for line in document.lines() if line], lines)


def test_pages_are_numbered_from_the_second_in_the_top_margin() -> None:
    word = docx.Document(io.BytesIO(render_docx(plain())))
    section = word.sections[0]

    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    header = section.header._element.xml
    assert 'w:instr="PAGE"' in header
    assert section.header.paragraphs[0].alignment == CENTER
