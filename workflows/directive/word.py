"""The công văn as a Word file (DOCX) in the layout of Nghị định 30/2020, Phụ lục I.

The header and the signature are borderless two-column tables, as in the ministries' own Word
templates, so the blocks stay side by side in Word and LibreOffice alike. Only `Document` is laid
out here; the wording is composed in `workflows.directive.document`.
"""

from __future__ import annotations

import io
import re
from typing import Final

import docx
from docx.document import Document as WordFile
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Length, Mm, Pt, Twips
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from workflows.directive.document import Document

FONT: Final = "Times New Roman"
CENTER: Final = WD_ALIGN_PARAGRAPH.CENTER
#: The writing width of an A4 page inside the ND30 margins (210 - 30 - 15 mm).
TEXT_WIDTH: Final = Mm(165)
#: Word's default cell padding on each side; a centred rule is measured inside it.
CELL_PADDING: Final = Twips(108)
HEADER_COLUMNS: Final = (Mm(62), Mm(103))
FOOTER_COLUMNS: Final = (Mm(74), Mm(91))
#: Characters an XML 1.0 file cannot hold, and the other control characters, tab and newline aside.
_UNPRINTABLE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def render_docx(document: Document) -> bytes:
    """The document as a DOCX file: A4 with the ND30 margins, in Times New Roman."""
    word = docx.Document()
    _set_up_page(word)
    _set_up_fonts(word)
    _header(word, document)
    if document.title:
        _add(word, document.title, 14, bold=True).paragraph_format.space_before = Pt(12)
        _add(word, document.subject_line, 14, bold=True)
        _rule(word, Mm(30), TEXT_WIDTH)
    _addressees(word, document.kinh_gui)
    for text in document.paragraphs:
        body = _add(word, text, 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY).paragraph_format
        body.first_line_indent = Mm(10)
        body.space_after = Pt(6)
    _footer(word, document)
    word.core_properties.title = _printable(document.subject_line)
    word.core_properties.author = _printable(document.issuing_body)
    word.core_properties.comments = ""
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _set_up_page(word: WordFile) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _page_numbers(section)


def _page_numbers(section: Section) -> None:
    """ND30 numbers the pages from the second on, in Arabic figures, centred in the top margin."""
    section.different_first_page_header_footer = True
    section.header_distance = Mm(10)
    number = section.header.paragraphs[0]
    number.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = number.add_run()
    run.font.size = Pt(14)
    _name_every_script(run.element.get_or_add_rPr().get_or_add_rFonts())
    # The field's result run is moved inside the field, so Word shows the number in that font.
    field.append(run._r)
    number._p.append(field)


def _set_up_fonts(word: WordFile) -> None:
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # The template's defaults name theme fonts, which outrank a plain font name for Vietnamese
    # (east-Asian and complex-script slots) in Word; name Times New Roman in every slot instead.
    defaults = "w:docDefaults/w:rPrDefault/w:rPr/w:rFonts | w:style[@w:styleId='Normal']/w:rPr/w:rFonts"
    for fonts in word.styles.element.xpath(defaults):
        _name_every_script(fonts)


def _name_every_script(fonts: BaseOxmlElement) -> None:
    for attribute in list(fonts.attrib):
        if attribute.lower().endswith("theme"):
            del fonts.attrib[attribute]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)


def _header(word: WordFile, document: Document) -> None:
    """Issuing body and number at the left; national name, motto and date at the right."""
    rows = 3 if not document.title or document.urgency_mark else 2
    table = _layout_table(word, rows, HEADER_COLUMNS)
    body, nation = table.cell(0, 0), table.cell(0, 1)
    if document.parent_body:
        _add(body, document.parent_body, 13)
    _add(body, document.issuing_body, 13, bold=True)
    _rule(body, Mm(25), HEADER_COLUMNS[0])
    _add(nation, document.national_name, 13, bold=True)
    _add(nation, document.motto, 14, bold=True)
    _rule(nation, Mm(60), HEADER_COLUMNS[1])
    _add(table.cell(1, 0), document.number_line, 13)
    _add(table.cell(1, 1), document.date_line, 14, italic=True)
    if rows == 3:
        under_number = table.cell(2, 0)
        if not document.title:
            _add(under_number, document.subject_line, 12)
        if document.urgency_mark:
            mark = _add(under_number, document.urgency_mark, 13, bold=True)
            mark.paragraph_format.space_before = Pt(6)
            _box(mark)


def _addressees(word: WordFile, lines: tuple[str, ...]) -> None:
    """ "Kính gửi: X." alone is centred; otherwise "Kính gửi:" and the list indented under it."""
    if not lines:
        return
    if len(lines) == 1:
        _add(word, lines[0], 14).paragraph_format.space_before = Pt(12)
    else:
        heading, *entries = lines
        first = _add(word, heading, 14, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format
        first.space_before, first.left_indent = Pt(12), Mm(10)
        for entry in entries:
            _add(word, entry, 14, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.left_indent = Mm(25)
    word.paragraphs[-1].paragraph_format.space_after = Pt(6)


def _footer(word: WordFile, document: Document) -> None:
    """ "Nơi nhận" and the distribution at the left; titles, room to sign and the name at the right."""
    table = _layout_table(word, 1, FOOTER_COLUMNS)
    # The signature block must not be split from its titles across a page break.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    recipients, signature = table.cell(0, 0), table.cell(0, 1)
    label = _add(recipients, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    label.paragraph_format.space_before = Pt(6)
    for line in document.distribution:
        _add(recipients, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for title in document.signature_titles:
        _add(signature, title, 14, bold=True)
    signature.paragraphs[0].paragraph_format.space_before = Pt(6)
    # Room for the handwritten signature and the seal, as on the printed originals.
    _add(signature, document.signer_name, 14, bold=True).paragraph_format.space_before = Pt(72)


def _layout_table(word: WordFile, rows: int, widths: tuple[Length, Length]) -> Table:
    # Without a table style the template's "Normal Table" applies, which has no borders.
    table: Table = word.add_table(rows=rows, cols=2)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        # LibreOffice reads the grid column, Word the cell widths; set both.
        column.width = width
        for cell in column.cells:
            cell.width = width
    return table


def _add(
    container: WordFile | _Cell,
    text: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = CENTER,
) -> Paragraph:
    """A paragraph of one Times New Roman run; a cell's first line fills the paragraph it starts with."""
    existing = container.paragraphs
    fresh = isinstance(container, _Cell) and len(existing) == 1 and not existing[0].runs
    paragraph = existing[0] if fresh else container.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(_printable(text))
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    _name_every_script(run.element.get_or_add_rPr().get_or_add_rFonts())
    return paragraph


def _rule(container: WordFile | _Cell, length: Length, width: Length) -> None:
    """A centred horizontal line `length` long: an empty paragraph with a bottom border."""
    paragraph = container.add_paragraph()
    # Added first, before python-docx sets any other paragraph property: it then inserts those
    # after the border, in the order the schema requires.
    paragraph._p.get_or_add_pPr().append(_border("w:pBdr", "w:bottom"))
    inner = width - 2 * CELL_PADDING if isinstance(container, _Cell) else width
    side = Length((inner - length) // 2)
    layout = paragraph.paragraph_format
    layout.left_indent = layout.right_indent = side
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(3)
    layout.space_after = Pt(4)


def _box(paragraph: Paragraph) -> None:
    """A frame around the text of the paragraph, as the urgency stamp has."""
    for run in paragraph.runs:
        properties = run.element.get_or_add_rPr()
        properties.append(_border("w:bdr"))


def _border(tag: str, side: str | None = None) -> BaseOxmlElement:
    line = OxmlElement(side or tag)
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        line.set(qn(name), value)
    if side is None:
        return line
    wrapper = OxmlElement(tag)
    wrapper.append(line)
    return wrapper


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub("", text)
