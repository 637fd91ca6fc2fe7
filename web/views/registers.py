"""Sổ đăng ký văn bản đến / đi: the registers of one year, as ND30 (Phụ lục IV) lays out the books.

The incoming register carries the tracking columns too (thời hạn, tiến độ, văn bản trả lời), so the
clerk and the leaders see in one book which letters are still being handled and which are late.
Both print on A4 landscape. Read by the clerk and by those who oversee the agency's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from web.auth import CurrentUser, me
from web.case_access import agency_code, oversees_agency
from web.requests import db, runtime
from workflows.calendar import FIRST_DAY, LAST_DAY, LOCAL_TZ
from workflows.directive.queries import case_of
from workflows.orgchart.models import Unit, User
from workflows.registers.incoming import incoming_register
from workflows.registers.models import STATUS_CLOSED, IncomingDocument, OutgoingDocument
from workflows.registers.outgoing import outgoing_register

bp = Blueprint("registers", __name__)

#: Tên loại of the document types the register lists.
TYPE_NAMES = {"CV": "Công văn", "BC": "Báo cáo"}


def may_read_registers(user: CurrentUser) -> bool:
    """The clerk keeps the registers; the agency's leaders, supervisors and auditors read them."""
    agency = agency_code(db())
    return agency is not None and (user.holds("clerk", agency) or oversees_agency(user, agency))


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    def reads_registers() -> bool:
        return may_read_registers(me())

    return {"reads_registers": reads_registers}


def _agency_or_403() -> str:
    agency = agency_code(db())
    if agency is None or not may_read_registers(me()):
        abort(403)
    return agency


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _year(years: list[int]) -> int:
    """The year asked for; this year (or the latest with entries) when none or a bad one is asked."""
    asked = request.args.get("year", type=int)
    # Only the years whose dates the product holds (workflows/calendar.py).
    if asked is not None and FIRST_DAY.year <= asked <= LAST_DAY.year:
        return asked
    this_year = _today().year
    return this_year if this_year in years or not years else max(years)


def _book_year(column: InstrumentedAttribute[int]) -> tuple[int, list[int]]:
    """The year to show and the years to offer (those with entries, and the one shown)."""
    years = sorted(db().scalars(select(column).distinct()), reverse=True)
    year = _year(years)
    return year, sorted({*years, year}, reverse=True)


@dataclass(frozen=True)
class Tracking:
    """Where the handling of an incoming letter stands."""

    closed: bool
    overdue: bool


@bp.get("/registers/incoming")
@login_required  # type: ignore[untyped-decorator]
def incoming() -> str:
    """Sổ đăng ký văn bản đến of one year, with the tracking of each letter."""
    agency = _agency_or_403()
    year, years = _book_year(IncomingDocument.year)
    rows = incoming_register(db(), agency, year)
    units = {u.code: u.short_name for u in db().scalars(select(Unit).where(Unit.code.in_({r.lead_unit for r in rows})))}
    today = _today()
    tracking = {
        row.id: Tracking(
            closed=row.status == STATUS_CLOSED,
            overdue=row.status != STATUS_CLOSED and row.handling_deadline is not None and row.handling_deadline < today,
        )
        for row in rows
    }
    return render_template(
        "registers/incoming.html",
        year=year,
        years=years,
        rows=rows,
        units=units,
        tracking=tracking,
        case_ids={row.id: case_of(row.reference) for row in rows},
    )


@bp.get("/registers/outgoing")
@login_required  # type: ignore[untyped-decorator]
def outgoing() -> str:
    """Sổ đăng ký văn bản đi of one year, in number order."""
    agency = _agency_or_403()
    year, years = _book_year(OutgoingDocument.year)
    rows = outgoing_register(db(), agency, year)
    signers = {
        u.username: u.full_name
        for u in db().scalars(select(User).where(User.username.in_({r.signer_username for r in rows})))
    }
    return render_template(
        "registers/outgoing.html",
        year=year,
        years=years,
        rows=rows,
        signers=signers,
        type_names=TYPE_NAMES,
        case_ids={row.id: case_of(row.reference) for row in rows},
    )
