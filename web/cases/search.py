"""Văn bản của tôi (the cases I started or took part in) and the search over the cases I may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, TaskRow
from engine.text import fold
from web.accounts.auth import me
from web.cases.case_access import visible_cases
from web.cases.case_listing import arrived_between, cases_with_arrival, page_of
from web.core.requests import db
from web.tasks.day_input import day_or_problem
from workflows.registers.models import IncomingDocument

bp = Blueprint("search", __name__)

TEXT_LIMIT = 200


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/mine")
@login_required  # type: ignore[untyped-decorator]
def mine() -> str:
    """The cases I started or in which I completed a step, newest first."""
    user = me()
    took_part = select(TaskRow.case_id).where(TaskRow.completed_by == user.username)
    statement = cases_with_arrival(
        ProcessInstance.parent_id.is_(None),
        ProcessInstance.case_id == ProcessInstance.id,  # not a reminder round's instance
        or_(ProcessInstance.started_by == user.username, ProcessInstance.id.in_(took_part)),
    )
    return render_template("cases/mine.html", page=page_of(db(), user, statement, _page()))


@dataclass
class SearchForm:
    """What was asked, and what was wrong with it (messages by field)."""

    number: str = ""
    subject: str = ""
    issuer: str = ""
    start: date | None = None
    end: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> bool:
        """Whether any criterion was given."""
        return bool(self.number or self.subject or self.issuer or self.start or self.end)


def _day(form: SearchForm, name: str) -> date | None:
    day, problem = day_or_problem(request.args.get(name) or "")
    if problem:
        form.errors[name] = problem
    return day


def read_form() -> SearchForm:
    """The search criteria from the query string, with a message for each bad one."""
    args = request.args
    form = SearchForm(
        number=(args.get("number") or "").strip()[:TEXT_LIMIT],
        subject=(args.get("subject") or "").strip()[:TEXT_LIMIT],
        issuer=(args.get("issuer") or "").strip()[:TEXT_LIMIT],
    )
    form.start, form.end = _day(form, "from"), _day(form, "to")
    if form.start and form.end and form.start > form.end:
        form.errors["to"] = _("Ngày kết thúc phải sau ngày bắt đầu.")
    return form


def _issuers_like(session: Session, text: str) -> list[str]:
    """The issuers in the incoming register whose name contains the text, with or without diacritics."""
    # Few distinct issuers exist (the bodies that write to the agency): fold them here, the same way
    # on every database, rather than relying on each database's accent handling.
    wanted = fold(text)
    issuers = session.scalars(select(IncomingDocument.issuer).distinct())
    return [issuer for issuer in issuers if wanted in fold(issuer)]


def _conditions(session: Session, form: SearchForm) -> list[ColumnElement[bool]]:
    conditions = []
    for text in (form.number, form.subject):
        if text:
            conditions.append(ProcessInstance.search_text.contains(fold(text), autoescape=True))
    if form.issuer:
        conditions.append(IncomingDocument.issuer.in_(_issuers_like(session, form.issuer)))
    conditions.extend(arrived_between(form.start, form.end))
    return conditions


@bp.get("/search")
@login_required  # type: ignore[untyped-decorator]
def search() -> str:
    """Cases the user may see, by number, subject, issuer and arrival date."""
    user = me()
    form = read_form()
    page = None
    if not form.errors:
        statement = cases_with_arrival(visible_cases(db(), user), *_conditions(db(), form))
        page = page_of(db(), user, statement, _page())
    return render_template("cases/search.html", form=form, page=page)
