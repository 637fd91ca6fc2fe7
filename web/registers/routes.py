"""Sổ đăng ký văn bản đến / đi: the registers of one year, as ND30 (Phụ lục IV) lays out the books.

The incoming register carries the tracking columns too (thời hạn, tiến độ, văn bản trả lời), so the
clerk and the leaders see in one book which letters are still being handled and which are late.
Both print on A4 landscape. Read by the clerk and by those who oversee the agency's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.wrappers import Response

from web.accounts.auth import CurrentUser, me
from web.cases.case_access import agency_code, oversees_agency
from web.core.requests import db, runtime
from workflows.calendar import FIRST_DAY, LAST_DAY, LOCAL_TZ
from workflows.directive.queries import case_of
from workflows.orgchart.models import Unit, User
from workflows.registers import StartingNumberRefused
from workflows.registers.incoming import incoming_register
from workflows.registers.models import STATUS_CLOSED, IncomingDocument, OutgoingDocument
from workflows.registers.numbering import (
    SEQUENCE_ARRIVAL,
    SEQUENCE_OUTGOING,
    STARTING_NUMBER_MAX,
    set_starting_number,
    starting_number_open,
)
from workflows.registers.outgoing import outgoing_register

bp = Blueprint("registers", __name__, template_folder="templates")

#: Tên loại of the document types the register lists.
TYPE_NAMES = {"CV": "Công văn", "BC": "Báo cáo"}


def may_read_registers(user: CurrentUser) -> bool:
    """The clerk keeps the registers, an administrator sets them up; leaders, supervisors, auditors read them."""
    agency = agency_code(db())
    return agency is not None and (may_set_starting_numbers(user, agency) or oversees_agency(user, agency))


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


#: The registers whose yearly numbering can start above 01, with the form field of each.
STARTING_FIELDS = {SEQUENCE_OUTGOING: "first_outgoing", SEQUENCE_ARRIVAL: "first_arrival"}


def may_set_starting_numbers(user: CurrentUser, agency: str) -> bool:
    """The clerk keeps the registers; an administrator may set them up too."""
    return user.holds("clerk", agency) or user.holds("admin", agency)


def _starting_numbers_open(agency: str, year: int) -> dict[str, bool]:
    """For the registers' setters: which sequences of the year may still be given a start."""
    if not may_set_starting_numbers(me(), agency):
        return {}
    return {sequence: starting_number_open(db(), agency, sequence, year) for sequence in STARTING_FIELDS}


def _starting_values() -> dict[str, int] | None:
    """The starting numbers typed in, by sequence; None when one is not a number in range."""
    values: dict[str, int] = {}
    for sequence, field in STARTING_FIELDS.items():
        text = request.form.get(field, "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= STARTING_NUMBER_MAX:
            return None
        values[sequence] = int(text)
    return values


@bp.post("/registers/starting-numbers")
@login_required  # type: ignore[untyped-decorator]
def starting_numbers() -> Response:
    """Set the year's first outgoing and arrival numbers, once, before any number of that year."""
    agency = _agency_or_403()
    user = me()
    if not may_set_starting_numbers(user, agency):
        abort(403)
    year = request.form.get("year", type=int)
    if year is None or not FIRST_DAY.year <= year <= LAST_DAY.year:
        abort(400)
    book = "registers.outgoing" if request.form.get("back") == "outgoing" else "registers.incoming"
    back = url_for(book, year=year)
    values = _starting_values()
    if values is None:
        flash(_("Số bắt đầu phải là số nguyên từ 1 đến %(max)d.", max=STARTING_NUMBER_MAX), "error")
        return redirect(back)
    if not values:
        flash(_("Hãy nhập số bắt đầu của ít nhất một sổ."), "error")
        return redirect(back)
    now = runtime().services.clock.now()
    try:
        for sequence, first in values.items():
            set_starting_number(
                db(),
                agency_code=agency,
                sequence_key=sequence,
                year=year,
                first_number=first,
                actor=user.username,
                at=now,
            )
    except StartingNumberRefused as refused:
        # Both registers or neither: the one set before the refusal is undone too.
        db().rollback()
        flash(_refusal_message(refused), "error")
        return redirect(back)
    for sequence, first in values.items():
        flash(_started_message(sequence, year, first), "info")
    return redirect(back)


def _register_name(sequence: str) -> str:
    return str(_("Sổ văn bản đi") if sequence == SEQUENCE_OUTGOING else _("Sổ văn bản đến"))


def _started_message(sequence: str, year: int, first: int) -> str:
    return str(
        _(
            "%(register)s năm %(year)d bắt đầu từ số %(first)d.",
            register=_register_name(sequence),
            year=year,
            first=first,
        )
    )


def _refusal_message(refused: StartingNumberRefused) -> str:
    if refused.numbers_given:
        return str(
            _(
                "Không thể đặt số bắt đầu của %(register)s năm %(year)d: đã cấp số đến số %(last)d trong năm.",
                register=_register_name(refused.sequence_key),
                year=refused.year,
                last=refused.last_given,
            )
        )
    return str(
        _(
            "Số bắt đầu của %(register)s năm %(year)d đã được đặt; chỉ đặt được một lần.",
            register=_register_name(refused.sequence_key),
            year=refused.year,
        )
    )


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
        starting_open=_starting_numbers_open(agency, year),
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
        starting_open=_starting_numbers_open(agency, year),
    )
