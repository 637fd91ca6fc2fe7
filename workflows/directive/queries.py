"""Read-only questions about a case's documents: its arrival entry and what it issued."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.registers.models import IncomingDocument, OutgoingDocument


def case_reference(case_id: int) -> str:
    """How registers refer to a case."""
    return f"case:{case_id}"  # case_of reads it back


def case_of(reference: str | None) -> int | None:
    """The case a register row refers to (the inverse of `case_reference`), or None."""
    prefix = "case:"
    if reference and reference.startswith(prefix) and reference[len(prefix) :].isdigit():
        return int(reference[len(prefix) :])
    return None


def arrival_of(session: Session, case_id: int) -> IncomingDocument | None:
    """The incoming letter the case was opened for."""
    return session.scalar(select(IncomingDocument).where(IncomingDocument.reference == case_reference(case_id)))


def issued_by(session: Session, case_id: int) -> list[OutgoingDocument]:
    """The documents the case issued, in number order."""
    query = (
        select(OutgoingDocument)
        .where(OutgoingDocument.reference == case_reference(case_id))
        .order_by(OutgoingDocument.number)
    )
    return list(session.scalars(query))
