"""One case's timeline to keep in the case file (hồ sơ): /cases/<id>/timeline.pdf and .docx.

The same people who read the timeline page (those who see the whole case) download it; the moments
are workflows/audit/timeline.py's, in the words of the timeline page, laid out by
workflows/audit/timeline_document.py under the agency's letterhead.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable

from flask import Blueprint, abort, send_file
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.models import ProcessDefinition, ProcessInstance
from web.accounts.auth import me
from web.audit.timeline_page import action_label
from web.cases.case_access import access_to
from web.core.i18n import local_date, local_datetime
from web.core.labels import decision_label, role_label, step_label
from web.core.requests import db, runtime
from workflows.audit.timeline import SUBSTITUTIONS, Moment, Timeline, timeline
from workflows.audit.timeline_document import CaseLog, docx_bytes, letterhead, pdf_bytes

bp = Blueprint("audit_timeline_export", __name__)

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STARTED = "engine:task:started"
#: Shares of the page's width: number, moment, what happened, who, decision, comment.
WIDTHS = (7, 19, 40, 44, 14, 59)
#: Characters a file name should not carry (the number's slash among them).
_NOT_IN_FILE_NAMES = re.compile(r"[^\w.-]+")


def _case(case_id: int) -> ProcessInstance:
    """The case, when the signed-in person sees all of it (404 otherwise, as the timeline page)."""
    access = access_to(db(), me(), case_id)
    if access is None or not access.full:
        abort(404)
    return access.case


def _who(moment: Moment, found: Timeline, role_words: Callable[[str], str]) -> str:
    """Who acted, as what and where, and for whom when standing in; for a step that started, whom it awaited."""

    def name(username: str) -> str:
        person = found.person(username)
        return person.full_name if person else username

    place = " · ".join(
        part
        for part in (role_words(moment.role) if moment.role else "", found.units.get(moment.unit or "", ""))
        if part
    )
    if moment.tag == STARTED:
        return place
    actor = _("Hệ thống") if moment.actor == "system" else name(moment.actor)
    if moment.on_behalf_of:
        actor = _("%(actor)s (thay %(absent)s)", actor=actor, absent=name(str(moment.on_behalf_of)))
    return "\n".join(part for part in (str(actor), place) if part)


def _what(moment: Moment, found: Timeline) -> str:
    """What happened, with the step's name; a hand-over says to whom."""
    text = action_label(moment.tag)
    if moment.title:
        text += ": " + step_label(moment.title)
    after = moment.after if isinstance(moment.after, dict) else {}
    if moment.tag == "engine:task:reassigned" and after.get("assignee"):
        person = found.person(str(after["assignee"]))
        text += " → " + (person.full_name if person else str(after["assignee"]))
    elif moment.tag in SUBSTITUTIONS and after:
        absent, substitute = (found.person(str(after.get(key, ""))) for key in ("absent", "substitute"))
        text += ": " + _(
            "%(substitute)s làm thay %(absent)s từ %(start)s đến %(end)s",
            substitute=substitute.full_name if substitute else after.get("substitute", ""),
            absent=absent.full_name if absent else after.get("absent", ""),
            start=local_date(str(after.get("from", ""))),
            end=local_date(str(after.get("to", ""))),
        )
    return text


def case_log(case: ProcessInstance) -> CaseLog:
    """The case's timeline in words, under the agency's letterhead."""
    session = db()
    found = timeline(session, case.id)
    parent_body, agency = letterhead(session)
    # A role's words cost a query (web/core/labels.py): once each, not once a line.
    role_words = functools.lru_cache(maxsize=None)(role_label)
    rows = [
        [
            str(number),
            local_datetime(moment.at),
            _what(moment, found),
            _who(moment, found, role_words),
            decision_label(str(moment.decision)) if moment.decision else "",
            moment.comment or "",
        ]
        for number, moment in enumerate(found.moments, start=1)
    ]
    names = dict(session.execute(select(ProcessDefinition.key, ProcessDefinition.name)).all())
    processes = ", ".join(
        _("%(name)s (%(key)s), phiên bản %(version)d", name=names.get(p.key, p.key), key=p.key, version=p.version)
        for p in found.processes
        if p.instance_id == case.id
    )
    made_at = local_datetime(runtime().services.clock.now())
    facts = [
        (_("Hồ sơ"), " — ".join(part for part in (case.business_key or f"#{case.id}", case.title or "") if part)),
        (_("Phiên bản quy trình"), processes),
        (_("Số dòng"), str(len(rows))),
        (_("Lập lúc"), _("%(moment)s, bởi %(person)s", moment=made_at, person=me().full_name)),
    ]
    headers = [_("STT"), _("Thời điểm"), _("Sự kiện"), _("Người thực hiện"), _("Quyết định"), _("Ý kiến")]
    title = _("NHẬT KÝ XỬ LÝ HỒ SƠ")
    return CaseLog(parent_body, agency, title, facts, headers, rows, WIDTHS, author=me().full_name)


def _download(case_id: int, render: Callable[[CaseLog], bytes], mimetype: str, extension: str) -> Response:
    case = _case(case_id)
    body = render(case_log(case))
    stem = _NOT_IN_FILE_NAMES.sub("_", case.business_key or str(case.id)).strip("_")
    prefix = _("nhat-ky-ho-so")  # outside the f-string, so that the catalogue extracts it
    response = send_file(
        io.BytesIO(body),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{prefix}-{stem}.{extension}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<int:case_id>/timeline.pdf")
@login_required  # type: ignore[untyped-decorator]
def pdf(case_id: int) -> Response:
    """The case's timeline as a PDF for the case file."""
    return _download(case_id, pdf_bytes, PDF_TYPE, "pdf")


@bp.get("/cases/<int:case_id>/timeline.docx")
@login_required  # type: ignore[untyped-decorator]
def word(case_id: int) -> Response:
    """The case's timeline as a Word file for the case file."""
    return _download(case_id, docx_bytes, DOCX_TYPE, "docx")
