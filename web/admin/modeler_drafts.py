"""Drafts of BPMN files edited in the modeler: saved, overwritten with an optimistic check, listed.

A draft names the process it is for and the deployed version it was opened from. Each save
names the revision it started from; the UPDATE only matches that revision, so of two
administrators saving the same draft at once exactly one wins and the other is told. Every save
is one audit event (`web:process:draft_saved`) in the request's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import audit
from web.core.models import ProcessDraft

SAVED: Final = "web:process:draft_saved"
DELETED: Final = "web:process:draft_deleted"
NOTE_LIMIT: Final = 500


class DraftConflict(Exception):
    """Someone saved the draft since this editor opened it; nothing of this save was stored."""

    def __init__(self, current: ProcessDraft) -> None:
        super().__init__(f"draft {current.id} is at revision {current.revision}")
        self.current = current


@dataclass(frozen=True)
class DraftSummary:
    """A draft as the processes page lists it (without its XML)."""

    id: int
    process_key: str
    base_version: int | None
    note: str
    revision: int
    saved_by: str
    saved_at: datetime


def _digest(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()


def _audit(session: Session, draft: ProcessDraft, actor: str, at: datetime, before: int | None) -> None:
    # The XML itself stays in its table; the trail keeps its checksum, enough to prove which one was saved.
    audit.append(
        session,
        SAVED,
        actor=actor,
        at=at,
        before={"revision": before} if before is not None else None,
        after={
            "draft": draft.id,
            "process_key": draft.process_key,
            "base_version": draft.base_version,
            "revision": draft.revision,
            "sha256": _digest(draft.bpmn_xml),
            "note": draft.note,
        },
    )


def create(
    session: Session, process_key: str, base_version: int | None, xml: str, note: str, *, actor: str, at: datetime
) -> ProcessDraft:
    """A new draft at revision 1."""
    draft = ProcessDraft(
        process_key=process_key,
        base_version=base_version,
        bpmn_xml=xml,
        note=note[:NOTE_LIMIT],
        revision=1,
        saved_by=actor,
        saved_at=at,
    )
    session.add(draft)
    session.flush()
    _audit(session, draft, actor, at, None)
    return draft


def overwrite(
    session: Session, draft_id: int, expected_revision: int, xml: str, note: str, *, actor: str, at: datetime
) -> ProcessDraft | None:
    """Save over a draft opened at `expected_revision`; None when there is no such draft.

    Raises DraftConflict when another save came first.
    """
    result = session.execute(
        update(ProcessDraft)
        .where(ProcessDraft.id == draft_id, ProcessDraft.revision == expected_revision)
        .values(
            bpmn_xml=xml,
            note=note[:NOTE_LIMIT],
            revision=expected_revision + 1,
            saved_by=actor,
            saved_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    draft = session.get(ProcessDraft, draft_id, populate_existing=True)
    if draft is None:
        return None
    if getattr(result, "rowcount", 0) != 1:
        raise DraftConflict(draft)
    _audit(session, draft, actor, at, expected_revision)
    return draft


def delete(session: Session, draft_id: int, *, actor: str, at: datetime) -> ProcessDraft | None:
    """Throw a draft away (nothing deployed changes); None when there is no such draft."""
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        return None
    audit.append(
        session,
        DELETED,
        actor=actor,
        at=at,
        before={
            "draft": draft.id,
            "process_key": draft.process_key,
            "revision": draft.revision,
            "sha256": _digest(draft.bpmn_xml),
        },
    )
    session.delete(draft)
    session.flush()
    return draft


def find(session: Session, draft_id: int) -> ProcessDraft | None:
    """One draft with its XML."""
    return session.get(ProcessDraft, draft_id)


def summaries(session: Session) -> list[DraftSummary]:
    """Every draft, newest save first, without the XML."""
    rows = session.execute(
        select(
            ProcessDraft.id,
            ProcessDraft.process_key,
            ProcessDraft.base_version,
            ProcessDraft.note,
            ProcessDraft.revision,
            ProcessDraft.saved_by,
            ProcessDraft.saved_at,
        ).order_by(ProcessDraft.saved_at.desc(), ProcessDraft.id.desc())
    )
    return [DraftSummary(*row) for row in rows]
