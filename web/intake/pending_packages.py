"""An edXML package between its upload and the registration it fills in.

The clerk checks the fields read from the package before the letter is registered, so the package
waits in the instance folder under a random token that only the uploader's session knows. Once
the letter is registered its files are attached to the new case and the package is removed; one
left waiting for a day is swept away at the next upload.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Final

from flask import session
from werkzeug.datastructures import FileStorage

from web.cases.attachment_store import Upload, store
from web.core.requests import db, runtime
from workflows.directive.exchange import incoming_fields
from workflows.exchange import PackageInvalid
from workflows.exchange.edxml import read_package
from workflows.exchange.header import Attachment as PackedFile
from workflows.exchange.header import Package

SESSION_KEY: Final = "pending_package"
MAX_AGE_SECONDS: Final = 24 * 3600
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class PendingPackage:
    """A package waiting for its letter to be registered."""

    token: str
    package: Package

    @property
    def sender(self) -> str:
        return self.package.header.from_organ.organ_name

    @property
    def file_names(self) -> list[str]:
        return [packed.name for packed in self.package.attachments]


def _folder() -> Path:
    return runtime().settings.instance_path / "pending_packages"


def as_upload(packed: PackedFile) -> FileStorage:
    """A file of the package as if it had been uploaded, for the attachment checks."""
    return FileStorage(stream=BytesIO(packed.data), filename=packed.name, content_type=packed.content_type)


def keep(data: bytes, package: Package) -> PendingPackage:
    """Keep a checked package for this session's clerk until the letter is registered."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    session[SESSION_KEY] = token
    return PendingPackage(token, package)


def pending(token: str) -> PendingPackage | None:
    """The package this session kept under `token`, or None when it is not (or no longer) there."""
    if not _TOKEN.fullmatch(token) or session.get(SESSION_KEY) != token:
        return None
    path = _folder() / token
    if not path.is_file():
        return None
    try:
        return PendingPackage(token, read_package(path.read_bytes()))
    except PackageInvalid:
        return None


def attach(kept: PendingPackage, case_id: int, task_id: str | None, actor: str, now: datetime) -> None:
    """The package's files on the new case, described by the letter they carry, then the package gone."""
    fields = incoming_fields(kept.package)
    for packed in kept.package.attachments:
        metadata = Upload(
            file=as_upload(packed),
            kind="incoming_letter",
            case_id=case_id,
            instance_id=case_id,
            task_id=task_id,
            doc_number=fields["incoming_number"],
            doc_date=kept.package.header.promulgation_info.promulgation_date,
            issuer=fields["incoming_issuer"],
        )
        store(db(), metadata, actor, now)
    (_folder() / kept.token).unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
