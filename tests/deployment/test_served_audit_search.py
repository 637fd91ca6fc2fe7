"""The auditor searches "every return by a head of division" on `directive-flow serve`, exports it to XLSX and
takes the case's timeline as PDF.

The served application (gunicorn and its job worker, tests/served.py) runs on the real clock: the
head returns the draft today, so the auditor finds it under today's date.
"""

from __future__ import annotations

import http.client
import io
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from tests.deployment.directive_http import DirectiveOverHttp
from tests.served import ServedApp, WebClient
from tests.web.task_helpers import draft_changes
from workflows.directive import reference_case as case
from workflows.directive.scenario import DIRECTOR, HEAD, SPECIALIST

AUDITOR = "kiemtra"
RETURN_COMMENT = "Đề nghị nêu rõ hình thức tuyên truyền trên mạng xã hội (mục 4)."
RETURNS = urlencode({"role": "division_head", "decision": "return"})


def _download(client: WebClient, path: str) -> tuple[int, str, bytes]:
    """A file as the browser receives it: status, content type and the bytes (WebClient reads text)."""
    parts = urlsplit(client.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        # The same headers as WebClient's: a session is bound to the browser that signed in.
        headers = {"User-Agent": "directive-flow tests", "Cookie": cookies}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers.get("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_the_auditor_finds_the_head_s_return_exports_it_and_takes_the_case_s_timeline(served: ServedApp) -> None:
    d = DirectiveOverHttp(served)
    d.register()
    d.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": d.working_day(3)})
    draft = case.draft()
    draft["report_deadline"] = d.working_day(10)
    d.do(SPECIALIST, "draft", draft_changes(draft))
    d.do(HEAD, "review_content", {"decision": "return", "comment": RETURN_COMMENT})
    d.do(SPECIALIST, "draft", draft_changes(draft))
    d.do(HEAD, "review_content", {"decision": "approve", "comment": ""})

    auditor = d.browser(AUDITOR)
    assert "/audit/search" in auditor.get("/").text
    found = auditor.get(f"/audit/search?{RETURNS}")
    assert found.status == 200, found.text
    assert found.text.count(RETURN_COMMENT) == 1 and "Trưởng phòng" in found.text
    assert f"/cases/{d.case_id}" in found.text and d.today.strftime("%d/%m/%Y") in found.text

    status, content_type, body = _download(auditor, f"/audit/search/export.xlsx?{RETURNS}")
    assert status == 200 and content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(body)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Số, ký hiệu", "Trích yếu", "Bước"] and "Quyết định" in header
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1
    line = dict(zip(header, rows[0], strict=True))
    assert line["Ý kiến"] == RETURN_COMMENT and line["Quyết định"] == "Trả lại" and line["Vai trò"] == "Trưởng phòng"
    moment = sheet.cell(row=2, column=header.index("Thời điểm") + 1)
    assert isinstance(moment.value, datetime) and moment.value.date() == d.today
    assert moment.number_format == "DD/MM/YYYY HH:MM"

    # The result's case, for the case file: its timeline as PDF, the head's return in it word for word.
    status, content_type, body = _download(auditor, f"/cases/{d.case_id}/timeline.pdf")
    assert status == 200 and content_type == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())
    assert "NHẬT KÝ XỬ LÝ HỒ SƠ" in text and RETURN_COMMENT in text and "Trả lại" in text

    bad = auditor.get(f"/audit/search?{RETURNS}&from=32/01/2024")
    assert bad.status == 400 and "Ngày không hợp lệ" in bad.text
    officer = d.browser(SPECIALIST)
    assert officer.get(f"/audit/search?{RETURNS}").status == 403
    assert _download(officer, f"/audit/search/export.xlsx?{RETURNS}")[0] == 403
