"""Files attached to a case: checked by name and by content, stored in the instance folder, shown to those
who may see the case (and, for a unit officer, only their own unit's files)."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import audit
from engine.models import TaskRow
from engine.task_rows import COMPLETED
from web.cases.case_access import CaseAccess, access_to
from web.core.models import ATTACHMENT_KINDS, Attachment
from web.core.requests import db, runtime

MAX_BYTES = 10 * 1024 * 1024


def _zip_holds(*members: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return False
        return all(member in names for member in members)

    return check


def _is_odt(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("mimetype") as member:
            return member.read(64) == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, KeyError, ValueError):
        return False


def _starts(prefix: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefix)


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: its content type and how to recognise its content."""

    label: str
    content_type: str
    looks_right: Callable[[bytes], bool]


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", "application/pdf", _starts(b"%PDF-")),
    "docx": FileType(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_holds("[Content_Types].xml", "word/document.xml"),
    ),
    "doc": FileType("DOC", "application/msword", _starts(_OLE2)),
    "xlsx": FileType(
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip_holds("[Content_Types].xml", "xl/workbook.xml"),
    ),
    "odt": FileType("ODT", "application/vnd.oasis.opendocument.text", _is_odt),
    "jpg": FileType("JPG", "image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": FileType("JPG", "image/jpeg", _starts(b"\xff\xd8\xff")),
    "png": FileType("PNG", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
}
ALLOWED_LABELS = "PDF, DOC, DOCX, XLSX, ODT, JPG, PNG"


def size_text(size: int) -> str:
    """A size limit as people read it: "10 MB", "64 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


class UploadRefused(Exception):
    """An upload that is not stored, with the message to show (already in the reader's language)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def clean_filename(name: str | None) -> str:
    """The uploader's file name made safe to show and to offer back: no folders, no control characters."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = " ".join(_UNSAFE.sub(" ", text).split()).lstrip(".")
    if len(text) > 200:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:190] + dot + ext) if dot and len(ext) <= 9 else text[:200]
    return text or "tep-dinh-kem"


def _extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def check_upload(upload: FileStorage, limit: int = MAX_BYTES) -> tuple[str, FileType, bytes]:
    """The cleaned name, type and bytes of an acceptable upload; UploadRefused otherwise."""
    if not upload.filename:
        raise UploadRefused(_("Vui lòng chọn tệp cần đính kèm."))
    filename = clean_filename(upload.filename)
    file_type = TYPES.get(_extension(filename))
    if file_type is None:
        raise UploadRefused(
            _("Tệp “%(name)s” không được nhận: chỉ nhận tệp %(types)s.", name=filename, types=ALLOWED_LABELS)
        )
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("Tệp “%(name)s” quá lớn: tối đa %(size)s.", name=filename, size=size_text(limit)))
    if not data:
        raise UploadRefused(_("Tệp “%(name)s” rỗng.", name=filename))
    if not file_type.looks_right(data):
        raise UploadRefused(
            _(
                "Nội dung tệp “%(name)s” không phải là tệp %(type)s như phần mở rộng của tên tệp.",
                name=filename,
                type=file_type.label,
            )
        )
    return filename, file_type, data


def uploads_folder() -> Path:
    """Where uploaded files live: the instance folder, outside the web root."""
    return runtime().settings.instance_path / "uploads"


def path_of(attachment: Attachment) -> Path:
    """The stored file of an attachment."""
    return uploads_folder() / str(attachment.case_id) / attachment.stored_name


@dataclass(frozen=True)
class Upload:
    """An upload with its metadata and where in the case it belongs."""

    file: FileStorage
    kind: str
    case_id: int
    instance_id: int | None
    task_id: str | None
    doc_number: str | None
    doc_date: date | None
    issuer: str | None


def store(session: Session, upload: Upload, actor: str, now: datetime, limit: int = MAX_BYTES) -> Attachment:
    """Check and keep an upload, and record it in the trail; nothing is kept when it is refused."""
    if upload.kind not in ATTACHMENT_KINDS:
        raise UploadRefused(_("Loại tài liệu không hợp lệ."))
    filename, file_type, data = check_upload(upload.file, limit)
    attachment = Attachment(
        case_id=upload.case_id,
        instance_id=upload.instance_id,
        task_id=upload.task_id,
        filename=filename,
        stored_name=secrets.token_urlsafe(24),
        content_type=file_type.content_type,
        size=len(data),
        kind=upload.kind,
        doc_number=upload.doc_number,
        doc_date=upload.doc_date,
        issuer=upload.issuer,
        uploaded_by=actor,
        uploaded_at=now,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    path = path_of(attachment)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as out:
        out.write(data)
    try:
        session.add(attachment)
        session.flush()
        audit.append(
            session,
            "web:attachment:uploaded",
            actor=actor,
            at=now,
            case_id=upload.case_id,
            instance_id=upload.instance_id,
            task_id=upload.task_id,
            after={
                "attachment": attachment.id,
                "filename": filename,
                "kind": upload.kind,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    except BaseException:
        # The row did not make it: the file must not stay behind without it.
        path.unlink(missing_ok=True)
        raise
    return attachment


#: The step at which the clerk numbers the directive and sends it to the units.
ISSUING_STEP = "issue"
#: The kind of file that is the outgoing document itself ("Dự thảo, văn bản đi").
OUTGOING_KIND = "draft"


def _issuing_steps(session: Session, case_id: int) -> set[str]:
    """The case's completed issuing steps: the outgoing files given for them went out with the directive."""
    query = select(TaskRow.id).where(
        TaskRow.instance_id == case_id, TaskRow.spec_name == ISSUING_STEP, TaskRow.state == COMPLETED
    )
    return set(session.scalars(query))


def _visible(access: CaseAccess, attachment: Attachment, issuing_steps: set[str]) -> bool:
    if access.full or attachment.instance_id in access.instances:
        return True
    # A unit sees its own part's files and the directive as it was sent out; never the Sở's drafts
    # (the same kind of file, given at an earlier step), its other files, or another unit's report.
    return (
        attachment.kind == OUTGOING_KIND
        and attachment.instance_id == access.case.id
        and attachment.task_id in issuing_steps
    )


def _issuing_steps_for(session: Session, access: CaseAccess) -> set[str]:
    # Only a person who sees part of the case needs them.
    return set() if access.full else _issuing_steps(session, access.case.id)


def visible_attachment(session: Session, access: CaseAccess, attachment: Attachment) -> bool:
    """Whether the person may see (and download) this attachment of a case they may see."""
    return _visible(access, attachment, _issuing_steps_for(session, access))


def for_case(case_id: int) -> list[Attachment]:
    """The attachments of a case that the signed-in person may see, oldest first."""
    if not current_user.is_authenticated:
        return []
    access = access_to(db(), current_user, case_id)
    if access is None:
        return []
    query = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.uploaded_at, Attachment.id)
    issuing_steps = _issuing_steps_for(db(), access)
    return [a for a in db().scalars(query) if _visible(access, a, issuing_steps)]
