"""One case's timeline as a document for the case file (hồ sơ): DOCX and PDF.

The page (web/audit/timeline_export.py) puts the words in the reader's language into a `CaseLog`:
the agency's letterhead, the title, a few facts about the case and the table of its events. This
module only lays that out, on landscape A4: a header in the manner of Nghị định 30/2020 Phụ lục I
(the bodies at the left, the national name and motto at the right, as workflows/directive/word.py
lays out a letter), the title, the facts, then the table, its header row repeated on every page.

The PDF embeds Be Vietnam Pro (a typeface drawn for Vietnamese, from its Python package) so that
every diacritic is drawn and can be extracted again as text; the DOCX names Times New Roman, the
font ND30 prescribes, which the reader's word processor supplies.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import docx
import fontpkg  # type: ignore[import-untyped]
from docx.document import Document as WordFile
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.directive.document import MOTTO, NATIONAL_NAME
from workflows.orgchart.models import Setting, Unit

WORD_FONT: Final = "Times New Roman"
PDF_FONT: Final = "Be Vietnam Pro"
#: Landscape A4 and its writing width inside 20 mm margins.
PAGE_WIDTH_MM: Final = 297
PAGE_HEIGHT_MM: Final = 210
MARGIN_MM: Final = 20
TEXT_WIDTH_MM: Final = PAGE_WIDTH_MM - 2 * MARGIN_MM
#: Characters an XML 1.0 file cannot hold, and the other control characters, tab and newline aside.
_UNPRINTABLE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class CaseLog:
    """What the document says, already in words: letterhead, title, facts, and the events' table."""

    parent_body: str
    agency: str
    title: str
    facts: Sequence[tuple[str, str]]
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    #: The columns' shares of the width, one per header.
    widths: Sequence[int]
    author: str = ""


def letterhead(session: Session) -> tuple[str, str]:
    """The names of the parent body and of the agency as a letter's header prints them ("" when none)."""
    settings = {str(key): value for key, value in session.execute(select(Setting.key, Setting.value))}
    names = []
    for key in ("parent_body", "agency"):
        code = settings.get(key)
        unit = session.scalar(select(Unit).where(Unit.code == str(code))) if code else None
        names.append((unit.header_name or unit.short_name.upper()) if unit is not None else "")
    return names[0], names[1]


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub("", text)


# -- DOCX ------------------------------------------------------------------------------------------


def docx_bytes(log: CaseLog) -> bytes:
    """The log as a Word file: landscape A4, Times New Roman, the table's header repeated on each page."""
    word = docx.Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = WORD_FONT, Pt(12)
    normal.paragraph_format.space_after = Pt(0)

    header = word.add_table(rows=1, cols=2)
    bodies, nation = header.cell(0, 0), header.cell(0, 1)
    if log.parent_body:
        _add(bodies, log.parent_body, 12)
    _add(bodies, log.agency, 12, bold=True)
    _add(nation, NATIONAL_NAME, 12, bold=True)
    _add(nation, MOTTO, 13, bold=True)
    title = _add(word, log.title, 14, bold=True)
    title.paragraph_format.space_before = Pt(18)
    for label, value in log.facts:
        paragraph = word.add_paragraph()
        paragraph.add_run(_printable(f"{label}: ")).bold = True
        paragraph.add_run(_printable(value))
    word.add_paragraph()

    table = word.add_table(rows=1, cols=len(log.headers))
    table.style = "Table Grid"
    total = sum(log.widths)
    for column, share in zip(table.columns, log.widths, strict=True):
        width = Mm(TEXT_WIDTH_MM * share / total)
        column.width = width
        for cell in column.cells:
            cell.width = width
    for cell, text in zip(table.rows[0].cells, log.headers, strict=True):
        _add(cell, text, 11, bold=True)
    _repeat_as_header(table.rows[0]._tr)
    for values in log.rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _add(cell, text, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    word.core_properties.title = _printable(log.title)
    word.core_properties.author = _printable(log.author or log.agency)
    word.core_properties.comments = ""
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _add(
    container: WordFile | _Cell,
    text: str,
    size: float,
    *,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> Paragraph:
    """Lines of text (one paragraph each) in the container; a cell's first fills its empty paragraph."""
    first = None
    for line in (text or "").split("\n"):
        existing = container.paragraphs
        fresh = isinstance(container, _Cell) and len(existing) == 1 and not existing[0].runs
        paragraph = existing[0] if fresh else container.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run(_printable(line))
        run.font.size, run.font.bold = Pt(size), bold
        fonts = run.element.get_or_add_rPr().get_or_add_rFonts()
        for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(script), WORD_FONT)
        first = first or paragraph
    assert first is not None
    return first


def _repeat_as_header(row: CT_Row) -> None:
    properties = row.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


# -- PDF -------------------------------------------------------------------------------------------


@functools.cache
def _font_files() -> tuple[Path, Path]:
    """The regular and bold faces of the PDF's typeface, from its installed package."""
    return Path(fontpkg.path(PDF_FONT, 400)), Path(fontpkg.path(PDF_FONT, 700))


def pdf_bytes(log: CaseLog) -> bytes:
    """The log as a PDF: landscape A4, the typeface embedded (subset), the table's header on every page."""
    regular, bold = _font_files()
    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.add_font(PDF_FONT, "", regular)
    pdf.add_font(PDF_FONT, "B", bold)
    pdf.set_title(_printable(log.title))
    pdf.set_author(_printable(log.author or log.agency))
    pdf.add_page()

    half = TEXT_WIDTH_MM / 2
    top = pdf.get_y()
    pdf.set_font(PDF_FONT, "", 11)
    if log.parent_body:
        pdf.multi_cell(half, 6, _printable(log.parent_body), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(PDF_FONT, "B", 11)
    pdf.multi_cell(half, 6, _printable(log.agency), align="C", new_x="LEFT", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(MARGIN_MM + half, top)
    pdf.multi_cell(half, 6, NATIONAL_NAME, align="C", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(half, 6, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(MARGIN_MM, max(bottom, pdf.get_y()) + 8)

    pdf.set_font(PDF_FONT, "B", 14)
    pdf.multi_cell(TEXT_WIDTH_MM, 8, _printable(log.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in log.facts:
        pdf.set_font(PDF_FONT, "B", 10)
        pdf.write(5.5, _printable(f"{label}: "))
        pdf.set_font(PDF_FONT, "", 10)
        pdf.write(5.5, _printable(value))
        pdf.ln(5.5)
    pdf.ln(4)

    pdf.set_font(PDF_FONT, "", 9)
    with pdf.table(
        col_widths=tuple(log.widths),
        width=TEXT_WIDTH_MM,
        text_align="LEFT",
        line_height=4.5,
        headings_style=FontFace(family=PDF_FONT, emphasis="BOLD", fill_color=(235, 235, 235)),
        cell_fill_mode=TableCellFillMode.NONE,
        repeat_headings=1,
    ) as table:
        for values in (log.headers, *log.rows):
            row = table.row()
            for text in values:
                row.cell(_printable(text))
    return bytes(pdf.output())
