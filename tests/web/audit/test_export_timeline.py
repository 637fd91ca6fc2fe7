"""One case's timeline for the case file: /cases/<id>/timeline.pdf and .docx, read back as a reader would
(the PDF's text extracted, the Word file's table rows), Vietnamese diacritics intact; in the reference
organisation and in an invented one."""

from __future__ import annotations

import io

import docx
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.audit.conftest import INVENTED_AUDITOR, drafted_standing_in, returned_in_invented
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.workflows.lifecycle_helpers import officer_of, session_of
from web.core.composition import Runtime
from workflows.audit.timeline import timeline
from workflows.directive import scenario
from workflows.orgchart.models import User

AUDITOR = "kiemtra"
RETURN_COMMENT = "Đề nghị bổ sung các hình thức tuyên truyền trên Internet, mạng xã hội (mục 4) cho đầy đủ."
HEADERS = ["STT", "Thời điểm", "Sự kiện", "Người thực hiện", "Quyết định", "Ý kiến"]


@pytest.fixture
def issued(runtime: Runtime, clock: ManualClock) -> tuple[int, list[str]]:
    """The reference letter returned once by the head of division on 07/03/2023 at 14:00, then issued."""
    r = fast_rehearsal(runtime, clock)
    units = draft_returned_then_issued(r, comment=RETURN_COMMENT, groups=["don_vi_truc_thuoc_so"])
    return r.case_id or 0, units


@pytest.fixture
def returned_case(issued: tuple[int, list[str]]) -> int:
    """The issued case's id."""
    return issued[0]


def _name(runtime: Runtime, username: str) -> str:
    with session_of(runtime) as session:
        return session.scalar(select(User.full_name).where(User.username == username)) or ""


def _number(runtime: Runtime, case_id: int) -> str:
    with session_of(runtime) as session:
        return session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == case_id)) or ""


def _moments(runtime: Runtime, case_id: int) -> int:
    with session_of(runtime) as session:
        return len(timeline(session, case_id).moments)


def pdf_text(body: bytes) -> str:
    """The PDF's text as a reader copies it, with runs of white space (line and cell breaks) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def docx_rows(body: bytes) -> list[list[str]]:
    """The rows of the Word file's last table (the events), each cell's text."""
    table = docx.Document(io.BytesIO(body)).tables[-1]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_timeline_as_pdf_carries_every_event_with_its_diacritics(
    app: Flask, runtime: Runtime, returned_case: int
) -> None:
    client = signed_in(app, AUDITOR)
    response = client.get(f"/cases/{returned_case}/timeline.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and ".pdf" in disposition and "/" not in disposition.split("filename")[-1]
    assert response.headers["Cache-Control"].startswith("private")
    text = pdf_text(response.data)
    assert "NHẬT KÝ XỬ LÝ HỒ SƠ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "SỞ VĂN HÓA" in text  # the agency's header, from the chart
    assert _number(runtime, returned_case) in text and "(directive_lifecycle), phiên bản 1" in text
    assert RETURN_COMMENT in text
    assert "07/03/2023 14:00" in text and "Trả lại" in text and "Kiểm tra nội dung" in text
    assert _name(runtime, scenario.HEAD) in text and _name(runtime, scenario.SPECIALIST) in text
    assert "Trưởng phòng" in text and "Ký ban hành" in text
    # One numbered line per moment of the timeline, the last one included.
    count = _moments(runtime, returned_case)
    assert f" {count} " in text and f"Số dòng: {count}" in text


def test_the_timeline_as_docx_has_a_row_per_event(app: Flask, runtime: Runtime, returned_case: int) -> None:
    client = signed_in(app, AUDITOR)
    response = client.get(f"/cases/{returned_case}/timeline.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(response.data))
    assert any(p.text == "NHẬT KÝ XỬ LÝ HỒ SƠ" for p in document.paragraphs)
    rows = docx_rows(response.data)
    assert rows[0] == HEADERS
    assert len(rows) == 1 + _moments(runtime, returned_case)
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, len(rows))]
    returned = [row for row in rows if row[5] == RETURN_COMMENT]
    assert len(returned) == 1
    _number, moment, what, who, decision, _comment = returned[0]
    assert moment == "07/03/2023 14:00" and decision == "Trả lại"
    assert what == "Hoàn thành bước: Kiểm tra nội dung"
    assert who.splitlines()[0] == _name(runtime, scenario.HEAD) and "Trưởng phòng" in who
    # Moments in order: the numbers follow the times.
    assert rows[1][1] <= moment


def test_only_who_reads_the_whole_case_gets_the_file(
    app: Flask, runtime: Runtime, issued: tuple[int, list[str]]
) -> None:
    """A recipient unit's officer sees only the unit's part of the case: no timeline of the whole."""
    case_id, units = issued
    urls = (f"/cases/{case_id}/timeline.pdf", f"/cases/{case_id}/timeline.docx")
    assert all(signed_in(app, scenario.SPECIALIST).get(url).status_code == 200 for url in urls)
    officer = signed_in(app, officer_of(runtime)(units[0]))
    assert officer.get(f"/cases/{case_id}").status_code == 200  # the unit's part
    assert all(officer.get(url).status_code == 404 for url in urls)
    assert all(app.test_client().get(url).status_code in (302, 401) for url in urls)
    assert signed_in(app, AUDITOR).get("/cases/999/timeline.docx").status_code == 404


# -- an invented organisation (its auditor: tests/web/audit/conftest.py) ----------------------------


def test_an_invented_organisation_s_timeline_carries_its_own_names(
    invented_app: tuple[Flask, Runtime], clock: ManualClock
) -> None:
    app, runtime = invented_app
    r = returned_in_invented(runtime, clock, "Bổ sung thời hạn báo cáo của từng đơn vị.")
    client = signed_in(app, INVENTED_AUDITOR)
    text = pdf_text(client.get(f"/cases/{r.case_id}/timeline.pdf").data)
    assert "SỞ NÔNG NGHIỆP" in text and "Lò Văn Khải" in text and "Phòng Trồng trọt" in text
    assert "Bổ sung thời hạn báo cáo của từng đơn vị." in text and "07/03/2023 09:15" in text
    assert "88/UBND-KT" in text
    assert "Lạng Sơn" not in text and "VHTTDL" not in text and "VĂN HÓA" not in text
    rows = docx_rows(client.get(f"/cases/{r.case_id}/timeline.docx").data)
    assert any(row[3].startswith("Lò Văn Khải") and row[4] == "Trả lại" for row in rows)


def test_a_substitution_reads_in_words_in_the_docx(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    """The head drafts standing in for the absent specialist: the case file's row names both people and the days."""
    r, today = drafted_standing_in(runtime, clock)
    rows = docx_rows(signed_in(app, AUDITOR).get(f"/cases/{r.case_id}/timeline.docx").data)
    (named,) = [row for row in rows if row[2].startswith("Cử người làm thay")]
    head, specialist = _name(runtime, scenario.HEAD), _name(runtime, scenario.SPECIALIST)
    assert named[2] == f"Cử người làm thay: {head} làm thay {specialist} từ {today:%d/%m/%Y} đến {today:%d/%m/%Y}"
    assert named[5] == "Nghỉ phép"
