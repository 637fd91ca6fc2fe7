"""The case's documents from the pages: the A4 page, the DOCX download, and who may take them."""

from __future__ import annotations

import io

import docx
import pytest
from flask import Flask

from engine.clock import ManualClock
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.workflows.reference_text import visible_lines
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return fast_rehearsal(runtime, clock)


def _docx_lines(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return [line.strip() for line in lines if line.strip()]


def test_the_draft_is_a_printable_page_with_number_and_day_blank(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    client = signed_in(app, "pgd.hoa")

    page = client.get(f"/cases/{r.case_id}/documents/cong-van")

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    lines = visible_lines(page.get_data(as_text=True))
    assert "Số: /SVHTTDL-QLVHGĐ" in lines
    assert "Lạng Sơn, ngày tháng năm 2023" in lines  # dated when signed and issued, not when drafted
    assert f"V/v {case.SUBJECT}" in lines
    assert lines[-3:] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Phan Văn Hòa"]


def test_the_issued_directive_downloads_as_a_word_file(app: Flask, r: Rehearsal) -> None:
    draft_returned_then_issued(r)
    client = signed_in(app, "cv.hvd")

    response = client.get(f"/cases/{r.case_id}/documents/cong-van.docx")

    assert response.status_code == 200
    assert response.mimetype == DOCX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    assert "cong-van-01_SVHTTDL-QLV" in response.headers["Content-Disposition"]
    lines = _docx_lines(response.data)
    assert "Số: 01/SVHTTDL-QLVHGĐ" in lines
    assert "Lạng Sơn, ngày 09 tháng 3 năm 2023" in lines
    assert "- Lưu: VT, QLVH&GĐ(HVĐ)." in lines


def test_the_case_page_offers_the_print_and_word_versions(app: Flask, r: Rehearsal) -> None:
    draft_returned_then_issued(r)

    html = signed_in(app, "giamdoc").get(f"/cases/{r.case_id}").get_data(as_text=True)

    assert f'href="/cases/{r.case_id}/documents/cong-van"' in html
    assert f'href="/cases/{r.case_id}/documents/cong-van.docx"' in html


def test_a_unit_officer_takes_the_issued_directive_but_not_the_report(app: Flask, r: Rehearsal) -> None:
    units = draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    assert "BTLS" in units
    client = signed_in(app, "cb.btls")

    assert client.get(f"/cases/{r.case_id}/documents/cong-van").status_code == 200
    assert client.get(f"/cases/{r.case_id}/documents/cong-van.docx").status_code == 200
    assert client.get(f"/cases/{r.case_id}/documents/bao-cao").status_code == 404
    assert client.get(f"/cases/{r.case_id}/documents/bao-cao.docx").status_code == 404


def test_someone_outside_the_case_gets_nothing(app: Flask, r: Rehearsal) -> None:
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    # The officer of a district's culture office: not a recipient of this directive.
    client = signed_in(app, "cb.pvhtt.tplangson")

    assert client.get(f"/cases/{r.case_id}/documents/cong-van").status_code == 404
    assert client.get(f"/cases/{r.case_id}/documents/cong-van.docx").status_code == 404


def test_no_document_before_the_draft_and_no_unknown_kind(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    client = signed_in(app, "giamdoc")

    assert client.get(f"/cases/{r.case_id}/documents/cong-van").status_code == 404
    assert client.get(f"/cases/{r.case_id}/documents/hop-dong").status_code == 404
    assert client.get("/cases/999999/documents/cong-van").status_code == 404


def test_signing_in_is_required(app: Flask, r: Rehearsal) -> None:
    draft_returned_then_issued(r)
    anonymous = app.test_client()

    response = anonymous.get(f"/cases/{r.case_id}/documents/cong-van.docx", base_url="https://localhost")

    assert response.status_code in (302, 401)
    assert "/login" in response.headers.get("Location", "/login")
