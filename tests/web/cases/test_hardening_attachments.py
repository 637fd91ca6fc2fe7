"""A unit sees only the files meant for it: the directive as it was sent out and its own report's files,
never the Sở's drafts, its internal files or another unit's report; asking for one of those is a 404."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import ManualClock
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import Runtime
from web.core.models import Attachment
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _attach(client: FlaskClient, case_id: int, name: str, kind: str) -> None:
    token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    data = {"csrf_token": token, "kind": kind, "file": (io.BytesIO(PDF), name)}
    response = client.post(f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert f"Đã đính kèm tệp “{name}”" in client.get(f"/cases/{case_id}").get_data(as_text=True)


@pytest.fixture
def files(app: Flask, runtime: Runtime, clock: ManualClock) -> tuple[int, dict[str, int]]:
    """The reference directive to the Sở's own units, with a file at every stage: the letter received,
    an internal note, the first draft, the signed copy the clerk sends out, and two units' reports."""
    r: Rehearsal = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    case_id = r.case_id or 0
    _attach(signed_in(app, "vanthu"), case_id, "cong-van-den.pdf", "incoming_letter")
    draft = {**case.draft(), "recipient_groups": ["don_vi_truc_thuoc_so"]}
    _attach(signed_in(app, "cv.hvd"), case_id, "du-thao-lan-1.pdf", "draft")
    _attach(signed_in(app, "cv.hvd"), case_id, "ghi-chu-noi-bo.pdf", "other")
    r.at("2023-03-07 09:00")
    r.do(scenario.SPECIALIST, "draft", draft)
    r.at("2023-03-08 10:00")
    r.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do(scenario.SIGNER, "sign", {"decision": "sign", "comment": ""})
    _attach(signed_in(app, "vanthu"), case_id, "cong-van-da-ky.pdf", "draft")
    scenario.issue(r)
    r.at("2023-03-09 15:00")
    for unit, officer in (("BTLS", "cb.btls"), ("TVLS", "cb.tvls")):
        r.do(officer, "acknowledge", {"acknowledge_note": ""}, unit=unit)
        _attach(signed_in(app, officer), case_id, f"bao-cao-{unit.lower()}.pdf", "unit_report")
    with session_of(runtime) as session:
        ids = {a.filename: a.id for a in session.scalars(select(Attachment))}
    return case_id, ids


def _page(client: FlaskClient, path: str) -> tuple[int, str]:
    """Status and page, without what differs by request alone: the form tokens and the page's own address."""
    response = client.get(path)
    html = re.sub(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"', "", response.get_data(as_text=True))
    return response.status_code, html.replace(path, "(address)")


def test_a_unit_sees_the_directive_sent_out_and_its_own_report(app: Flask, files: tuple[int, dict[str, int]]) -> None:
    """The museum lists and downloads the signed copy and its own report, and nothing else."""
    case_id, ids = files
    museum = signed_in(app, "cb.btls")
    page = museum.get(f"/cases/{case_id}").get_data(as_text=True)
    for name in ("cong-van-da-ky.pdf", "bao-cao-btls.pdf"):
        assert name in page, name
        with museum.get(f"/attachments/{ids[name]}") as response:
            assert response.status_code == 200 and response.get_data() == PDF, name
    for name in ("cong-van-den.pdf", "du-thao-lan-1.pdf", "ghi-chu-noi-bo.pdf", "bao-cao-tvls.pdf"):
        assert name not in page, name


def test_a_forbidden_file_answers_as_one_that_does_not_exist(app: Flask, files: tuple[int, dict[str, int]]) -> None:
    """The draft, the internal note, the letter received and the library's report: the same 404 page as
    an attachment id nobody ever gave."""
    _case_id, ids = files
    museum = signed_in(app, "cb.btls")
    missing = _page(museum, "/attachments/999999")
    assert missing[0] == 404
    for name in ("cong-van-den.pdf", "du-thao-lan-1.pdf", "ghi-chu-noi-bo.pdf", "bao-cao-tvls.pdf"):
        assert _page(museum, f"/attachments/{ids[name]}") == missing, name


def test_the_so_still_sees_every_file(app: Flask, files: tuple[int, dict[str, int]]) -> None:
    """The specialist who drafted sees the whole case's files, units' reports included."""
    case_id, ids = files
    specialist = signed_in(app, "cv.hvd")
    page = specialist.get(f"/cases/{case_id}").get_data(as_text=True)
    for name, attachment_id in ids.items():
        assert name in page, name
        with specialist.get(f"/attachments/{attachment_id}") as response:
            assert response.status_code == 200, name
