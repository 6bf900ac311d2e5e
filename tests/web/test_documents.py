"""Official documents (Nghị định 30/2020/NĐ-CP): the conclusion notice and the report, rendered to PDF by
LibreOffice to check the page size and the heading, and laid out with the unit's own letterhead."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from storage import workdays
from storage.actions import letterhead, meetings, publication, questions, replies
from storage.reach import Reach
from tests.web.conftest import Console
from tests.web.helpers import ask, post
from web.officialdoc import place_of, vn_long_date

A4_POINTS = (595, 842)


def _notice_world(console: Console) -> int:
    w = console.world
    with console.ctx.transaction() as s:
        a = ask(s, w.meeting_a, "duong vao ap tan phu a hu nang qua mua mua di ko dc")
        b = ask(s, w.meeting_a, "Đường ấp Tân Phú A hư nặng")
        questions.merge(s, a.id, [b.id], actor="t")
        publication.set_summary(s, Reach.for_unit(w.district_a), b.id,
                                "Đề nghị sửa chữa đường vào ấp Tân Phú A bị hư hỏng nặng trong mùa mưa.")
        questions.assign(s, a.id, w.agency_a.id, actor="t")
        replies.reply(s, a.id, "Huyện bố trí vốn sửa đường trong quý I/2027.", author="t", status="in_progress")
        unsummarised = ask(s, w.meeting_a, "nuoc may nha toi co mui phen")
        questions.set_field(s, unsummarised.id, "nuoc_sach", actor="t")
        meetings.set_meeting_state(s, w.meeting_a.id, "held")
        letterhead.set_letterhead(s, Reach.admin(), w.district_a.id, {
            "doc_issuing_body": "Ủy ban nhân dân huyện A", "doc_place": "Phụng Hiệp",
            "doc_signer_name": "Nguyễn Văn Bình", "doc_signer_title": "Phó Chủ tịch",
            "doc_signer_authority": "KT. Chủ tịch", "doc_recipients": "Thường trực Huyện ủy\nThường trực HĐND huyện",
        })
    return w.meeting_a.id


def test_conclusion_notice_in_the_official_format(console: Console) -> None:
    mid = _notice_world(console)
    content = console.client("org_a").get(f"/meetings/{mid}/conclusion.docx").content
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    mm = [round(v.mm) for v in (section.page_width, section.page_height, section.left_margin,
                                section.right_margin, section.top_margin, section.bottom_margin)]
    assert mm == [210, 297, 30, 15, 20, 20]
    left, right = (cell.text for cell in doc.tables[0].rows[0].cells)
    assert "ỦY BAN NHÂN DÂN HUYỆN A" in left and "Số:" in left and "/TB-UBND" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert vn_long_date("Phụng Hiệp", workdays.today()) in right  # the office's date, not the machine's
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    assert {r.font.name for r in runs} == {"Times New Roman"}
    assert all(13 <= r.font.size.pt <= 14 for r in runs)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "THÔNG BÁO" in text and "Đề nghị sửa chữa đường vào ấp Tân Phú A" in text
    assert "tan phu a hu nang" not in text and "mui phen" not in text  # never the citizen's raw words
    assert "Ý kiến về lĩnh vực nước sạch" in text
    notes, signature = (cell.text for cell in doc.tables[-1].rows[0].cells)
    assert notes.startswith("Nơi nhận:") and "- Thường trực Huyện ủy;" in notes
    assert "- Phòng Kinh tế huyện A;" in notes and "- Lưu: VT, UBND." in notes
    assert signature.split("\n")[:2] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] and "Nguyễn Văn Bình" in signature


def test_dates_and_places_as_the_decree_writes_them() -> None:
    assert vn_long_date("Hậu Giang", date(2026, 1, 5)) == "Hậu Giang, ngày 05 tháng 01 năm 2026"
    assert vn_long_date("Hậu Giang", date(2026, 11, 24)) == "Hậu Giang, ngày 24 tháng 11 năm 2026"
    assert vn_long_date("Hậu Giang", date(2026, 3, 9)) == "Hậu Giang, ngày 09 tháng 3 năm 2026"
    assert place_of("Tỉnh Hậu Giang") == "Hậu Giang" and place_of("Xã Hòa An") == "Hòa An"
    assert place_of("Thành phố Cần Thơ") == "Cần Thơ"


def _pdf(tmp_path: Path, name: str, content: bytes) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer")
    source = tmp_path / f"{name}.docx"
    source.write_bytes(content)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    return tmp_path / f"{name}.pdf"


@pytest.mark.parametrize("document", ["conclusion", "report"])
def test_documents_render_as_a4_with_the_national_heading(console: Console, tmp_path: Path, document: str) -> None:
    from pypdf import PdfReader

    mid = _notice_world(console)
    c = console.client("org_a")
    url = f"/meetings/{mid}/conclusion.docx" if document == "conclusion" else "/reports/export.docx"
    pdf = PdfReader(_pdf(tmp_path, document, c.get(url).content))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_POINTS
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first
    assert "ỦY BAN NHÂN DÂN HUYỆN A" in first
    assert ("THÔNG BÁO" if document == "conclusion" else "BÁO CÁO") in first


def test_summary_is_the_organisers_and_the_original_is_kept(console: Console) -> None:
    w = console.world
    with console.ctx.transaction() as s:
        q = ask(s, w.meeting_a, "duong ap 3 hu qua")
        qid = q.id
    c = console.client("org_a")
    r = post(c, f"/questions/{qid}/summary", {"summary": "  Sửa đường   ấp 3.  "})
    assert r.status_code == 303
    page = c.get(f"/questions/{qid}").text
    assert "Sửa đường ấp 3." in page and "duong ap 3 hu qua" in page
    assert post(console.client("agency_a"), f"/questions/{qid}/summary", {"summary": "x"}).status_code in (403, 404)
    r = post(c, f"/questions/{qid}/summary", {"summary": "x" * 501})
    assert r.status_code == 422 and "Tóm tắt dài quá 500 ký tự" in r.text
