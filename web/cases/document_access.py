"""Which of a case's documents a person may open.

Who may see the case may see its documents, with one limit: a recipient unit sees the directive
it received (once issued), never the Sở's drafts or its report upward.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from web.cases.case_access import CaseAccess
from workflows.directive.case_documents import DIRECTIVE, KINDS, CaseDocument, case_document, case_documents


def _may_open(access: CaseAccess, found: CaseDocument) -> bool:
    return access.full or (found.kind is DIRECTIVE and found.issued is not None)


def visible_documents(session: Session, access: CaseAccess, data: Mapping[str, Any]) -> list[CaseDocument]:
    """The documents of the case this person may open, directive first; `data` is the case's whole data."""
    return [found for found in case_documents(session, access.case.id, data) if _may_open(access, found)]


def document_for(session: Session, access: CaseAccess, data: Mapping[str, Any], slug: str) -> CaseDocument | None:
    """One document by its slug ("cong-van", "bao-cao"), or None when absent or not this person's to open."""
    kind = KINDS.get(slug)
    if kind is None or (not access.full and kind is not DIRECTIVE):
        return None
    found = case_document(session, access.case.id, data, kind)
    return found if found is not None and _may_open(access, found) else None
