"""The case's documents as a reader takes them away: the printable page, the DOCX and the edXML package."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, Response, abort, send_file
from flask_login import login_required

from web.accounts.auth import me
from web.cases.case_access import access_to
from web.cases.document_access import document_for
from web.core.requests import db, engine, runtime
from web.core.security_headers import policy_for_standalone_page
from workflows.directive.case_documents import DIRECTIVE, CaseDocument
from workflows.directive.exchange import DOCX_TYPE, directive_package
from workflows.directive.rendering import render_html
from workflows.directive.word import render_docx

bp = Blueprint("documents", __name__, template_folder="templates")

EDXML_TYPE = "application/xml"


def _document(case_id: int, slug: str) -> tuple[CaseDocument, dict[str, Any]]:
    """The document the person may open, with the case data it was composed from."""
    access = access_to(db(), me(), case_id)
    if access is None:
        abort(404)
    data = engine().data(case_id)
    found = document_for(db(), access, data, slug)
    if found is None:
        abort(404)
    return found, data


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/cases/<int:case_id>/documents/<slug>")
@login_required  # type: ignore[untyped-decorator]
def printable(case_id: int, slug: str) -> Response:
    """The document as an A4 page to read on screen and print."""
    found, _data = _document(case_id, slug)
    page = render_html(found.document)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = policy_for_standalone_page(page)
    return _private(response)


@bp.get("/cases/<int:case_id>/documents/<slug>.docx")
@login_required  # type: ignore[untyped-decorator]
def docx(case_id: int, slug: str) -> Response:
    """The document as a Word file (draft: number and day blank; issued: as registered)."""
    found, _data = _document(case_id, slug)
    docx_file = BytesIO(render_docx(found.document))
    name = f"{found.kind.slug}-{found.document.file_stem}.docx"
    return _private(send_file(docx_file, mimetype=DOCX_TYPE, as_attachment=True, download_name=name))


@bp.get("/cases/<int:case_id>/documents/<slug>.edxml")
@login_required  # type: ignore[untyped-decorator]
def edxml(case_id: int, slug: str) -> Response:
    """The issued directive as an edXML package (QCVN 102) for the interconnection axis, DOCX inside."""
    found, data = _document(case_id, slug)
    if found.kind is not DIRECTIVE or found.issued is None:
        abort(404)
    sent_at = runtime().services.clock.now()
    package = directive_package(db(), found, data, render_docx(found.document), sent_at)
    name = f"{found.document.file_stem}.edxml"
    return _private(send_file(BytesIO(package), mimetype=EDXML_TYPE, as_attachment=True, download_name=name))
