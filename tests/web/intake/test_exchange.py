"""Exchange from the pages: the issued directive leaves as an edXML package, and a package that arrives
opens a case with its registration form filled and its files attached; a malformed one changes nothing."""

from __future__ import annotations

import io
import re

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.web.task_helpers import fill, form_values
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import Runtime
from web.core.models import Attachment
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal
from workflows.exchange.edxml import read_package
from workflows.orgchart.models import Unit
from workflows.registers.models import IncomingDocument


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return fast_rehearsal(runtime, clock)


def _export(app: Flask, case_id: int | None) -> bytes:
    response = signed_in(app, "cv.hvd").get(f"/cases/{case_id}/documents/cong-van.edxml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "01_SVHTTDL-QLV" in response.headers["Content-Disposition"]
    return response.data


def _from_elsewhere(data: bytes) -> bytes:
    """The package as another organisation would send it: only the sender's identifier differs."""
    start, end = data.index(b"<edXML:From>"), data.index(b"</edXML:From>")
    sender = re.sub(
        rb"<edXML:OrganId>[^<]*</edXML:OrganId>", b"<edXML:OrganId>000.00.99.H99</edXML:OrganId>", data[start:end]
    )
    return data[:start] + sender + data[end:]


def _send(client: FlaskClient, data: bytes, filename: str = "01_SVHTTDL-QLVHGD.edxml") -> tuple[int, str, str]:
    token = csrf_token(client.get("/incoming/new").get_data(as_text=True))
    response = client.post(
        "/incoming/edxml",
        data={"csrf_token": token, "package": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def _counts(runtime: Runtime) -> tuple[int, int]:
    with session_of(runtime) as session:
        cases = session.scalar(select(func.count()).select_from(ProcessInstance)) or 0
        files = session.scalar(select(func.count()).select_from(Attachment)) or 0
    return cases, files


def test_the_issued_directive_leaves_as_a_package_with_its_word_file(
    app: Flask, r: Rehearsal, runtime: Runtime
) -> None:
    units = draft_returned_then_issued(r)
    with session_of(runtime) as session:
        agency = session.scalar(select(Unit).where(Unit.code == "SVHTTDL"))
        assert agency is not None
        agency.organ_id = "000.00.37.H37"

    package = read_package(_export(app, r.case_id))

    header = package.header
    assert (header.code.number, header.code.notation) == ("01", "SVHTTDL-QLVHGĐ")
    assert header.from_organ.organ_id == "000.00.37.H37"
    assert header.from_organ.organ_name == "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn"
    assert header.subject == case.SUBJECT
    assert (header.signer_info.competence, header.signer_info.full_name) == ("KT.", "Phan Văn Hòa")
    assert len(header.to_organs) == len(units) == 29
    (word,) = package.attachments
    lines = [p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs]
    lines += [p.text for t in docx.Document(io.BytesIO(word.data)).tables for c in t._cells for p in c.paragraphs]
    assert "Số: 01/SVHTTDL-QLVHGĐ" in lines


def test_a_package_that_arrives_fills_the_registration_and_brings_its_files(
    app: Flask, r: Rehearsal, runtime: Runtime
) -> None:
    """The exported directive, received by a clerk: the form comes filled, no case opens until it is
    registered, and then the Word file is attached with the letter's number, date and issuer."""
    draft_returned_then_issued(r)
    exported = _from_elsewhere(_export(app, r.case_id))
    clerk = signed_in(app, "vanthu")
    before = _counts(runtime)

    status, _, page = _send(clerk, exported)

    assert status == 200
    values = form_values(page)
    assert values["incoming_number"] == "01/SVHTTDL-QLVHGĐ"
    assert values["incoming_issuer"] == "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn"
    assert values["incoming_subject"] == case.SUBJECT
    assert values["incoming_date"] == "2023-03-09"
    assert "01_SVHTTDL-QLVHGĐ.docx" in page
    assert _counts(runtime) == before  # nothing opens until the clerk registers it

    done = clerk.post("/incoming/new", data=fill(values, {"incoming_received_date": "2023-03-09"}))

    assert done.status_code == 302, re.findall(r"</span>([^<]*)</p>", done.get_data(as_text=True))
    with session_of(runtime) as session:
        arrival = session.scalar(select(IncomingDocument).where(IncomingDocument.number_code == "01/SVHTTDL-QLVHGĐ"))
        assert arrival is not None
        assert (arrival.arrival_number, arrival.issuer) == (2, "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn")
        attachment = session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        assert attachment is not None
        assert (attachment.kind, attachment.doc_number, attachment.issuer, attachment.filename) == (
            "incoming_letter",
            "01/SVHTTDL-QLVHGĐ",
            "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn",
            "01_SVHTTDL-QLVHGĐ.docx",
        )
        assert attachment.doc_date is not None and attachment.doc_date.isoformat() == "2023-03-09"
        assert arrival.reference is not None and arrival.reference == f"case:{attachment.case_id}"
    # The package was used up: sending the same form again is refused, and opens nothing.
    again = clerk.post("/incoming/new", data=fill(values, {"incoming_received_date": "2023-03-09"}))
    assert again.status_code == 422 and "Gói tin không còn được giữ" in again.get_data(as_text=True)


def test_a_package_of_another_session_is_not_taken(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """The hidden token of one clerk's package means nothing in another session."""
    draft_returned_then_issued(r)
    _, _, page = _send(signed_in(app, "vanthu"), _from_elsewhere(_export(app, r.case_id)))
    values = fill(form_values(page), {"incoming_received_date": "2023-03-09"})
    assert values["package_token"]
    other = signed_in(app, "vanthu")
    values["csrf_token"] = csrf_token(other.get("/incoming/new").get_data(as_text=True))
    before = _counts(runtime)

    response = other.post("/incoming/new", data=values)

    assert response.status_code == 422
    assert _counts(runtime) == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "Vui lòng chọn tệp"),
        (b"this is not xml", "Gói tin không hợp lệ"),
        (b"<html><body>hello</body></html>", "Gói tin không hợp lệ"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file:///etc/passwd">]><x>&s;</x>',
            "Gói tin không hợp lệ",
        ),
    ],
)
def test_a_malformed_package_is_refused_with_the_reason_and_changes_nothing(
    app: Flask, runtime: Runtime, data: bytes, reason: str
) -> None:
    clerk = signed_in(app, "vanthu")
    before = _counts(runtime)

    status, _, page = _send(clerk, data, "" if not data else "goi.edxml")

    assert status == 422
    assert reason in page
    assert "root:" not in page
    assert _counts(runtime) == before


@pytest.mark.parametrize("organ_id", [None, "000.00.37.H37"], ids=["by-code", "by-organ-id"])
def test_a_package_the_agency_itself_sent_is_refused_and_changes_nothing(
    app: Flask, r: Rehearsal, runtime: Runtime, organ_id: str | None
) -> None:
    """The agency's own directive handed in as an incoming letter: refused with the reason, nothing kept."""
    if organ_id:
        with session_of(runtime) as session:
            agency = session.scalar(select(Unit).where(Unit.code == "SVHTTDL"))
            assert agency is not None
            agency.organ_id = organ_id
    draft_returned_then_issued(r)
    own = _export(app, r.case_id)
    assert (organ_id or "SVHTTDL").encode() in own
    clerk = signed_in(app, "vanthu")
    before = _counts(runtime)

    status, _, page = _send(clerk, own)

    assert status == 422
    assert "do chính cơ quan mình gửi đi" in page
    assert "package_token" not in page
    assert _counts(runtime) == before


def test_a_package_without_its_subject_names_the_missing_element(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    draft_returned_then_issued(r)
    exported = _export(app, r.case_id)
    broken = exported.replace(b"<edXML:Subject>", b"<edXML:Other>").replace(b"</edXML:Subject>", b"</edXML:Other>")
    assert broken != exported
    before = _counts(runtime)

    status, _, page = _send(signed_in(app, "vanthu"), broken)

    assert status == 422
    assert "Subject" in page
    assert _counts(runtime) == before


def test_only_a_clerk_receives_packages(app: Flask) -> None:
    status, _, _ = _send(signed_in(app, "cv.hvd"), b"<x/>")

    assert status == 403


def test_a_draft_and_the_report_have_no_package(app: Flask, r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    client = signed_in(app, "cv.hvd")

    assert client.get(f"/cases/{r.case_id}/documents/cong-van.edxml").status_code == 404
    assert client.get(f"/cases/{r.case_id}/documents/bao-cao.edxml").status_code == 404


def _register(client: FlaskClient, changes: dict[str, str] | None = None) -> tuple[int, str]:
    page = client.get("/incoming/new").get_data(as_text=True)
    response = client.post("/incoming/new", data=fill(form_values(page), {**case.INCOMING, **(changes or {})}))
    return response.status_code, response.get_data(as_text=True)


def _arrivals(runtime: Runtime) -> list[int]:
    with session_of(runtime) as session:
        return list(session.scalars(select(IncomingDocument.arrival_number).order_by(IncomingDocument.id)))


def test_a_letter_already_registered_is_warned_about_and_the_clerk_may_confirm(app: Flask, runtime: Runtime) -> None:
    clerk = signed_in(app, "vanthu")
    assert _register(clerk)[0] == 302
    before = _counts(runtime)

    status, page = _register(clerk)

    assert status == 409
    assert "Văn bản này có thể đã được vào sổ." in page
    assert "Số đến 1 ngày 06/03/2023" in page
    assert 'name="confirm_duplicate"' in page
    assert _counts(runtime) == before and _arrivals(runtime) == [1]
    values = form_values(page)
    values["confirm_duplicate"] = "1"
    assert clerk.post("/incoming/new", data=values).status_code == 302
    assert _arrivals(runtime) == [1, 2]


def test_another_number_or_sender_is_no_duplicate(app: Flask, runtime: Runtime) -> None:
    clerk = signed_in(app, "vanthu")
    assert _register(clerk)[0] == 302

    assert _register(clerk, {"incoming_number": "17/XYZ"})[0] == 302
    assert _register(clerk, {"incoming_issuer": "Một cơ quan khác"})[0] == 302
    assert _arrivals(runtime) == [1, 2, 3]
