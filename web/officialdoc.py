"""Administrative documents laid out as Nghị định 30/2020/NĐ-CP, Phụ lục I, asks.

A4 (210 × 297 mm); margins top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm; Times New Roman;
national heading "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (upper case, 12-13 pt, bold; 12 here) with the motto
"Độc lập - Tự do - Hạnh phúc" (13-14 pt, bold) and a solid line under it as long as the motto; the issuing
body (upper case, bold, under its parent body if any) with a line of 1/3-1/2 of its length; "Số: …/TB-UBND";
"Hậu Giang, ngày 05 tháng 01 năm 2026" in italics (day below 10 and months 1-2 with a leading zero); the
kind of document (upper case, bold) and the subject line (bold) with a short line under it; body 13-14 pt,
justified, first line indented 1-1,27 cm, at least 6 pt between paragraphs; "Nơi nhận:" (12 pt, bold
italic) with its list (11 pt); the signer's authority, position (upper case, bold) and name (bold).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document as new_document
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from storage.models import Unit

FONT = "Times New Roman"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TEXT_WIDTH = Mm(210 - 30 - 15)
LEFT_COLUMN = Mm(60)


@dataclass(frozen=True)
class Letterhead:
    """Who issues and signs: set per unit (see storage.models.Unit's doc_* columns)."""

    parent_body: str
    issuing_body: str
    symbol: str
    place: str
    signer_authority: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]


def vn_long_date(place: str, day: date) -> str:
    """"Hậu Giang, ngày 05 tháng 01 năm 2026": a leading zero for days below 10 and months 1 and 2."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _font(run_or_style: object, size: float, *, bold: bool = False, italic: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    element = run_or_style.element  # type: ignore[attr-defined]
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def line(paragraph: Paragraph, text: str, size: float = 14, *, bold: bool = False, italic: bool = False,
         align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER) -> Paragraph:
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    _font(paragraph.add_run(text), size, bold=bold, italic=italic)
    return paragraph


def _rule(within: _Cell | Document, column: int, length: int) -> None:
    """A solid line of `length` (EMU) centred in a column `column` wide, as a paragraph's bottom border."""
    paragraph = within.add_paragraph()
    side = (column - length) // 2
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(6)
    _font(paragraph.add_run(), 2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def start(letterhead: Letterhead, kind_code: str, issued: date) -> Document:
    """An A4 document with the heading block: issuing body and number at the left, the national heading,
    motto and place and date at the right."""
    doc = new_document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _font(doc.styles["Normal"], 14)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    right_column = TEXT_WIDTH - LEFT_COLUMN
    left, right = table.rows[0].cells
    left.width, right.width = LEFT_COLUMN, right_column
    table.columns[0].width, table.columns[1].width = LEFT_COLUMN, right_column
    first = left.paragraphs[0]
    if letterhead.parent_body:
        line(first, letterhead.parent_body.upper(), 12)
        first = left.add_paragraph()
    line(first, letterhead.issuing_body.upper(), 12, bold=True)
    _rule(left, LEFT_COLUMN, LEFT_COLUMN // 3)
    line(left.add_paragraph(), f"Số:       /{kind_code}-{letterhead.symbol}", 13)
    line(right.paragraphs[0], NATION, 12, bold=True)
    line(right.add_paragraph(), MOTTO, 14, bold=True)
    _rule(right, right_column, Cm(6.2))
    line(right.add_paragraph(), vn_long_date(letterhead.place, issued), 14, italic=True)
    doc.add_paragraph()
    return doc


def title(doc: Document, kind: str, subject: str) -> None:
    """The kind of document and its subject line, centred, with a short line under them."""
    line(doc.add_paragraph(), kind.upper(), 14, bold=True)
    for part in subject.split("\n"):
        line(doc.add_paragraph(), part, 14, bold=True)
    _rule(doc, TEXT_WIDTH, TEXT_WIDTH // 4)


def body(doc: Document, text: str, *, bold: bool = False, italic: bool = False, indent: bool = True) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Cm(1.27) if indent else None
    fmt.space_before, fmt.space_after = Pt(6), Pt(0)
    fmt.line_spacing = 1.15
    _font(paragraph.add_run(text), 14, bold=bold, italic=italic)
    return paragraph


def turn(doc: Document, *, landscape: bool) -> None:
    """Go on in a new A4 section, landscape for wide tables (the decree allows tables across the page)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    if landscape:
        section.top_margin, section.bottom_margin = Mm(30), Mm(15)
        section.left_margin, section.right_margin = Mm(20), Mm(20)
    else:
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)


def table(doc: Document, headers: Sequence[str], rows: Sequence[Sequence[str]], size: float = 11) -> None:
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        line(cell.paragraphs[0], text, size, bold=True)
    for values in rows:
        for i, (cell, text) in enumerate(zip(grid.add_row().cells, values, strict=True)):
            line(cell.paragraphs[0], text, size,
                 align=WD_ALIGN_PARAGRAPH.RIGHT if i else WD_ALIGN_PARAGRAPH.LEFT)


def finish(doc: Document, letterhead: Letterhead, recipients: Sequence[str] = ()) -> bytes:
    """"Nơi nhận:" at the left and the signature block at the right, then the file's bytes."""
    doc.add_paragraph()
    block = doc.add_table(rows=1, cols=2)
    block.autofit = False
    left, right = block.rows[0].cells
    left.width, right.width = Mm(80), TEXT_WIDTH - Mm(80)
    block.columns[0].width, block.columns[1].width = Mm(80), TEXT_WIDTH - Mm(80)
    line(left.paragraphs[0], "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    names = [*dict.fromkeys([*letterhead.recipients, *recipients])]
    for name in names:
        line(left.add_paragraph(), f"- {name};", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    line(left.add_paragraph(), f"- Lưu: VT, {letterhead.symbol}.", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = right.paragraphs[0]
    if letterhead.signer_authority:
        line(first, letterhead.signer_authority.upper(), 14, bold=True)
        first = right.add_paragraph()
    line(first, letterhead.signer_title.upper(), 14, bold=True)
    for _ in range(4):
        right.add_paragraph()
    line(right.add_paragraph(), letterhead.signer_name, 14, bold=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


LEVEL_WORDS = ("Thành phố", "Thị trấn", "Đặc khu", "Phường", "Tỉnh", "Huyện", "Quận", "Thị xã", "Xã")


def place_of(unit_name: str) -> str:
    """"Tỉnh Hậu Giang" -> "Hậu Giang": the place a document is dated at, without the level's word."""
    for word in LEVEL_WORDS:
        if unit_name.startswith(word + " "):
            return unit_name[len(word) + 1:]
    return unit_name


def letterhead_of(unit: Unit) -> Letterhead:
    """The unit's letterhead as set, each empty part derived from its name (its People's Committee)."""
    return Letterhead(
        parent_body=unit.doc_parent_body,
        issuing_body=unit.doc_issuing_body or f"Ủy ban nhân dân {unit.name}",
        symbol=unit.doc_symbol or "UBND",
        place=unit.doc_place or place_of(unit.name),
        signer_authority=unit.doc_signer_authority or "TM. Ủy ban nhân dân",
        signer_title=unit.doc_signer_title or "Chủ tịch",
        signer_name=unit.doc_signer_name,
        recipients=tuple(line.strip(" -;") for line in unit.doc_recipients.splitlines() if line.strip(" -;")),
    )
