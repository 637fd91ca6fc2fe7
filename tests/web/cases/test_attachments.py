"""Attachments: real PDF and PNG files are kept outside the web root; anything else is refused with a message and
leaves nothing behind; files are served, never inline, only to those who may see their part of the case."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from engine.clock import ManualClock
from engine.models import AuditEvent
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import session_of
from web.cases.attachment_store import UploadRefused, check_upload
from web.core.composition import Runtime
from web.core.models import Attachment
from web.core.settings import PROJECT_ROOT
from workflows.directive.rehearsal import Rehearsal

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def case_id(runtime: Runtime, clock: ManualClock) -> int:
    """The reference directive issued to the Sở's own units; the museum has acknowledged it and must report."""
    r: Rehearsal = fast_rehearsal(runtime, clock)
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    r.at("2023-03-09 15:00")
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    return r.case_id or 0


def _upload(client: FlaskClient, case_id: int, name: str, content: bytes, **fields: str) -> tuple[int, str]:
    """Post a file from the case page's own form; the status and the page shown afterwards."""
    token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    data: dict[str, object] = {"csrf_token": token, "kind": "other", **fields, "file": (io.BytesIO(content), name)}
    response = client.post(f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    return response.status_code, page


def _stored(runtime: Runtime) -> tuple[list[Attachment], list[Path]]:
    with session_of(runtime) as session:
        rows = list(session.scalars(select(Attachment).order_by(Attachment.id)))
    folder = runtime.settings.instance_path / "uploads"
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return rows, files


def test_the_clerk_attaches_a_pdf_kept_outside_the_web_root(app: Flask, runtime: Runtime, case_id: int) -> None:
    """The incoming letter as a PDF: listed on the case page with its metadata, stored under instance/uploads."""
    clerk = signed_in(app, "vanthu")
    fields = {"kind": "incoming_letter", "doc_number": "2104-CV/BTGTU", "doc_date": "03/03/2023"}
    status, page = _upload(clerk, case_id, "Công văn 2104.pdf", PDF, issuer="Ban Tuyên giáo Tỉnh ủy", **fields)
    assert status == 303
    assert "Đã đính kèm tệp “Công văn 2104.pdf”." in page and "2104-CV/BTGTU · 03/03/2023" in page
    (row,), (path,) = _stored(runtime)
    assert (row.filename, row.kind, row.content_type, row.size) == (
        "Công văn 2104.pdf",
        "incoming_letter",
        "application/pdf",
        len(PDF),
    )
    assert (row.uploaded_by, row.instance_id, row.task_id, str(row.doc_date)) == ("vanthu", case_id, None, "2023-03-03")
    assert row.sha256 == hashlib.sha256(PDF).hexdigest() and path.read_bytes() == PDF
    assert path.is_relative_to(runtime.settings.instance_path / "uploads")
    assert not path.is_relative_to(PROJECT_ROOT / "web") and row.filename not in path.name
    with session_of(runtime) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.tag == "web:attachment:uploaded")).one()
    assert (event.actor, event.case_id, event.after["sha256"]) == ("vanthu", case_id, row.sha256)
    assert "Đính kèm tệp: Công văn 2104.pdf" in page


def test_a_unit_attaches_a_png_to_its_own_step(app: Flask, runtime: Runtime, case_id: int) -> None:
    """The museum's officer, who has the report to do, attaches a photo: it belongs to the museum's part."""
    status, page = _upload(signed_in(app, "cb.btls"), case_id, "anh-tuyen-truyen.png", _png(), kind="unit_report")
    assert status == 303 and "anh-tuyen-truyen.png" in page
    (row,), _files = _stored(runtime)
    assert (row.content_type, row.kind) == ("image/png", "unit_report")
    assert row.instance_id != case_id and row.task_id is not None


def test_the_letter_s_metadata_comes_from_the_case_when_left_blank(app: Flask, runtime: Runtime, case_id: int) -> None:
    """The clerk attaches the scanned letter without typing its number: the registered one is used."""
    status, page = _upload(signed_in(app, "vanthu"), case_id, "2104.pdf", PDF, kind="incoming_letter")
    assert status == 303
    (row,), _files = _stored(runtime)
    assert (row.doc_number, str(row.doc_date), row.issuer) == ("2104-CV/BTGTU", "2023-03-03", "Ban Tuyên giáo Tỉnh ủy")
    assert "2104-CV/BTGTU · 03/03/2023 · Ban Tuyên giáo Tỉnh ủy" in page


def test_a_unit_s_report_file_is_described_as_its_report(app: Flask, runtime: Runtime, case_id: int) -> None:
    """A unit's file of kind report carries the unit as issuer; its number once the report is written."""
    _upload(signed_in(app, "cb.btls"), case_id, "bao-cao.pdf", PDF, kind="unit_report")
    (row,), _files = _stored(runtime)
    assert (row.doc_number, row.issuer) == (None, "Bảo tàng tỉnh Lạng Sơn")


REFUSALS = [
    (
        "setup.exe",
        b"MZ\x90\x00" + b"\x00" * 100,
        "Tệp “setup.exe” không được nhận: chỉ nhận tệp PDF, DOC, DOCX, XLSX, ODT, JPG, PNG.",
    ),
    ("bao-cao.pdf", b"MZ\x90\x00 not a pdf at all", "Nội dung tệp “bao-cao.pdf” không phải là tệp PDF"),
    ("anh.png", PDF, "Nội dung tệp “anh.png” không phải là tệp PNG"),
    ("bao-cao.docx", b"PK\x03\x04 broken zip", "Nội dung tệp “bao-cao.docx” không phải là tệp DOCX"),
    ("rong.pdf", b"", "Tệp “rong.pdf” rỗng."),
    ("", PDF, "Vui lòng chọn tệp cần đính kèm."),
]


def test_refused_files_leave_nothing_behind(app: Flask, runtime: Runtime, case_id: int) -> None:
    """A wrong type, a file whose content belies its name, an empty file: a message naming it; no row, no file."""
    clerk = signed_in(app, "vanthu")
    for name, content, message in REFUSALS:
        status, page = _upload(clerk, case_id, name, content)
        assert status == 303, name
        assert message in page, name
        assert _stored(runtime) == ([], []), name
    status, page = _upload(clerk, case_id, "a.pdf", PDF, doc_date="31/02/2023")
    assert status == 303 and "Ngày văn bản không hợp lệ: nhập theo dạng dd/mm/yyyy." in page
    assert _stored(runtime) == ([], [])


def test_an_oversized_upload_gets_a_message_not_a_bare_413(app: Flask, runtime: Runtime, case_id: int) -> None:
    """Over the size limit: the case page says how large a file may be; nothing is stored."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = PDF + b"%" + b"x" * (100 * 1024)
    status, page = _upload(signed_in(app, "vanthu"), case_id, "qua-lon.pdf", big)
    assert status == 303
    assert "Tệp tải lên quá lớn: tối đa 64 KB. Không có gì được lưu." in page
    assert _stored(runtime) == ([], [])


def test_download_is_an_attachment_never_sniffed(app: Flask, runtime: Runtime, case_id: int) -> None:
    """Whoever may see the case downloads the file as a download, with its name and type as stored."""
    _upload(signed_in(app, "vanthu"), case_id, "Công văn 2104.pdf", PDF, kind="incoming_letter")
    (row,), _files = _stored(runtime)
    with signed_in(app, "cv.hvd").get(f"/attachments/{row.id}") as response:
        body = response.get_data()
    assert response.status_code == 200 and body == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''C%C3%B4ng%20v%C4%83n%202104.pdf" in response.headers["Content-Disposition"]


def test_other_units_and_outsiders_get_404(app: Flask, runtime: Runtime, case_id: int) -> None:
    """The museum's report photo: the library (another recipient) and a non-recipient get 404; the Sở sees it."""
    _upload(signed_in(app, "cb.btls"), case_id, "anh.png", _png(), kind="unit_report")
    (row,), _files = _stored(runtime)
    for outsider in ("cb.tvls", "cb.pvhtt.tplangson", "vp.thethuc"):
        client = signed_in(app, outsider)
        assert client.get(f"/attachments/{row.id}").status_code == 404, outsider
        assert "anh.png" not in client.get(f"/cases/{case_id}").get_data(as_text=True), outsider
    for insider in ("cv.hvd", "cb.btls", "giamdoc"):
        with signed_in(app, insider).get(f"/attachments/{row.id}") as response:
            assert response.status_code == 200, insider
    assert signed_in(app, "cb.btls").get("/attachments/999999").status_code == 404
    assert app.test_client().get(f"/attachments/{row.id}").status_code == 302  # to the sign-in page


def test_only_people_with_a_step_to_do_or_the_clerk_may_upload(app: Flask, runtime: Runtime, case_id: int) -> None:
    """The supervisor sees the case but has nothing to do in it: no form, and a post is refused; so is a forged one."""
    supervisor = signed_in(app, "giamsat")
    page = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page
    data = {"csrf_token": csrf_token(page), "kind": "other", "file": (io.BytesIO(PDF), "a.pdf")}
    assert supervisor.post(f"/cases/{case_id}/attachments", data=data).status_code == 403
    outsider = signed_in(app, "cb.pvhtt.tplangson")
    token = csrf_token(outsider.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "kind": "other", "file": (io.BytesIO(PDF), "a.pdf")}
    assert outsider.post(f"/cases/{case_id}/attachments", data=data).status_code == 404
    clerk = signed_in(app, "vanthu")
    assert clerk.post(f"/cases/{case_id}/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")}).status_code == 400
    assert _stored(runtime) == ([], [])


def test_a_file_name_cannot_carry_a_path_or_markup(app: Flask, runtime: Runtime, case_id: int) -> None:
    """Folders are dropped from the name and markup characters removed; the stored file has a random name."""
    status, page = _upload(signed_in(app, "vanthu"), case_id, "../../etc/<b>Báo cáo</b>.pdf", PDF)
    assert status == 303
    (row,), (path,) = _stored(runtime)
    assert "/" not in row.filename and "<" not in row.filename and row.filename.endswith(".pdf")
    assert "<b>" not in page
    assert path.parent == runtime.settings.instance_path / "uploads" / str(case_id)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_office_documents_and_photos_are_recognised_by_content(app: Flask) -> None:
    """DOCX, XLSX, ODT, DOC and JPG pass when their content is what their name says, and only then."""
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    xlsx = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    jpg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
    good = {"a.docx": docx, "b.XLSX": xlsx, "c.odt": odt, "d.doc": doc, "e.jpg": jpg, "f.jpeg": jpg}
    with app.test_request_context():
        for name, content in good.items():
            assert check_upload(FileStorage(io.BytesIO(content), name))[2] == content, name
        for name, content in {"a.docx": xlsx, "b.xlsx": docx, "c.odt": docx, "d.doc": PDF, "e.jpg": _png()}.items():
            with pytest.raises(UploadRefused):
                check_upload(FileStorage(io.BytesIO(content), name))
