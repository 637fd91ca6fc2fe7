"""The documents a case produces — the directive and the report upward — as they read now.

Each is composed from the case's data once the step that writes it has been completed at least
once: before issue it is the draft (number and day blank), after issue the numbered document as
the register recorded it. A step being redone shows the last completed version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import TaskRow
from workflows.calendar import LOCAL_TZ
from workflows.directive.document import REPORT_TYPE, Document, compose_for_case, compose_report_for_case
from workflows.directive.queries import issued_by
from workflows.registers.models import OutgoingDocument
from workflows.registers.outgoing import CONG_VAN

Composer = Callable[..., Document]


@dataclass(frozen=True)
class DocumentKind:
    """One of the documents a case produces: the step that writes it and the register type."""

    slug: str
    step: str
    document_type: str
    compose: Composer


DIRECTIVE: Final = DocumentKind("cong-van", "draft", CONG_VAN, compose_for_case)
REPORT: Final = DocumentKind("bao-cao", "consolidate", REPORT_TYPE, compose_report_for_case)
KINDS: Final = {kind.slug: kind for kind in (DIRECTIVE, REPORT)}


@dataclass(frozen=True)
class CaseDocument:
    """A document of a case, with the register row once it is issued."""

    kind: DocumentKind
    document: Document
    issued: OutgoingDocument | None


def _last_completion(session: Session, case_id: int, step: str) -> TaskRow | None:
    query = (
        select(TaskRow)
        .where(
            TaskRow.case_id == case_id,
            TaskRow.instance_id == case_id,
            TaskRow.spec_name == step,
            TaskRow.completed_at.is_not(None),
        )
        .order_by(TaskRow.completed_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def case_document(
    session: Session,
    case_id: int,
    data: Mapping[str, Any],
    kind: DocumentKind,
    issued: Sequence[OutgoingDocument] | None = None,
) -> CaseDocument | None:
    """The document as it reads now, or None while its step has never been completed.

    `issued` is what the case issued (read from the register when not given).
    """
    written = _last_completion(session, case_id, kind.step)
    if written is None or written.completed_by is None or written.completed_at is None:
        return None
    issued = issued_by(session, case_id) if issued is None else issued
    row = next((doc for doc in issued if doc.document_type == kind.document_type), None)
    drafted_on: date = written.completed_at.astimezone(LOCAL_TZ).date()
    document = kind.compose(session, data, written.completed_by, row, drafted_on=drafted_on)
    return CaseDocument(kind, document, row)


def case_documents(session: Session, case_id: int, data: Mapping[str, Any]) -> list[CaseDocument]:
    """Every document the case has produced so far, directive first."""
    issued = issued_by(session, case_id)
    found = (case_document(session, case_id, data, kind, issued) for kind in KINDS.values())
    return [doc for doc in found if doc is not None]
