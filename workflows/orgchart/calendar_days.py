"""The agency's calendar overrides: extra days off and compensatory working days, set by administrators.

The government moves days off every year (a day bridged to a holiday, a Saturday worked in exchange)
and the `holidays` package may learn of it late or never; so administrators keep these days in the
database and every working calendar the product uses (`working_calendar`) takes them from there.

Every process (gunicorn's workers, the job worker) keeps the calendar it built and asks the database
for one small value per unit of work, the calendar's revision: a random token replaced by every
change in the change's own transaction. When it differs from the one the kept calendar was built
for, the calendar is built again. A token rather than a counter: two databases (or a rolled-back
change) never share a revision, so a cache keyed by it can never hand one database's days to another.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import CheckConstraint, Date, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import audit
from engine.db import Base
from engine.types import UtcDateTime
from workflows.calendar import WorkingCalendar, within_calendar
from workflows.forms.messages import Message

DAY_OFF: Final = "day_off"
WORKING_DAY: Final = "working_day"
KINDS: Final = (DAY_OFF, WORKING_DAY)
AUDIT_SET: Final = "workflows:calendar:day_set"
AUDIT_REMOVED: Final = "workflows:calendar:day_removed"
#: The revision of a database whose calendar never changed (the migration writes it).
FIRST_REVISION: Final = "0"
NOTE_LIMIT: Final = 255


class CalendarDay(Base):
    """One day the administrators declared a day off or a working day, against the weekly rhythm."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('day_off', 'working_day')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Why: "Nghỉ bù Quốc khánh", "Làm bù cho ngày 30/4"… shown on the calendar page.
    note: Mapped[str] = mapped_column(String(NOTE_LIMIT))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CalendarRevision(Base):
    """One row: the token of the calendar's current state (see the module's docstring)."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class _Built:
    """The calendars this process built, by revision (a few: tests use many databases at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_revision: dict[str, WorkingCalendar] = {}

    def get(self, revision: str) -> WorkingCalendar | None:
        return self._by_revision.get(revision)

    def keep(self, revision: str, calendar: WorkingCalendar) -> None:
        with self._lock:
            if len(self._by_revision) >= 16:
                self._by_revision.pop(next(iter(self._by_revision)))
            self._by_revision[revision] = calendar


_built = _Built()


def revision(session: Session) -> str:
    """The calendar's current revision in the database `session` reads."""
    token = session.scalar(select(CalendarRevision.token).where(CalendarRevision.id == 1))
    return token or FIRST_REVISION


def working_calendar(session: Session) -> WorkingCalendar:
    """The working calendar with the database's overrides: built again only when they changed."""
    # The revision is read before the days: a change committed between the two reads gives newer
    # days under the older revision, which the next unit of work replaces; never the reverse.
    current = revision(session)
    calendar = _built.get(current)
    if calendar is None:
        rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
        calendar = WorkingCalendar(
            extra_holidays=[day for day, kind in rows if kind == DAY_OFF],
            extra_working_days=[day for day, kind in rows if kind == WORKING_DAY],
        )
        _built.keep(current, calendar)
    return calendar


class StoredCalendar(WorkingCalendar):
    """The working calendar of the database a session reads, read at its first question only.

    What the script functions and forms of one command get: a command that counts no working
    days costs no query.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self._loaded: WorkingCalendar | None = None

    def is_working_day(self, d: date) -> bool:
        """Whether offices work on day `d`, by the database's calendar."""
        if self._loaded is None:
            self._loaded = working_calendar(self._session)
        return self._loaded.is_working_day(d)


def _bump(session: Session) -> None:
    token = uuid.uuid4().hex
    # An UPDATE takes the row's lock: two changes at once queue, and the later token wins.
    result = session.execute(update(CalendarRevision).where(CalendarRevision.id == 1).values(token=token))
    if not getattr(result, "rowcount", 0):
        # A schema made from the models rather than the migrations has no row yet.
        session.add(CalendarRevision(id=1, token=token))
    session.flush()


BAD_DAY = Message("outside_calendar", "Outside the calendar (1901–2100).", "Ngoài lịch (1901–2100).")
UNKNOWN_KIND = Message("unknown_kind", "Choose a day off or a working day.", "Hãy chọn ngày nghỉ hoặc ngày làm việc.")
NOTE_EMPTY = Message(
    "note_required", "Say why (e.g. the government's decision).", "Hãy ghi lý do (ví dụ văn bản của Chính phủ)."
)
NOTE_TOO_LONG = Message("too_long", "Longer than {limit} characters.", "Dài hơn {limit} ký tự.")
ALREADY_OFF = Message(
    "already_off",
    "{day} is already a day off (a weekend or an official holiday).",
    "Ngày {day} đã là ngày nghỉ (cuối tuần hoặc ngày lễ).",
)
ALREADY_WORKING = Message("already_working", "{day} is already a working day.", "Ngày {day} đã là ngày làm việc.")


@dataclass(frozen=True)
class DayProblem:
    """A field of the calendar form and what is wrong with it."""

    field: str
    message: Message


class CalendarDayInvalid(ValueError):
    """The day cannot be set; `problems` name each field. Nothing was stored."""

    def __init__(self, problems: list[DayProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.vi}" for p in problems))
        self.problems = problems


def _plain(row: CalendarDay) -> dict[str, str]:
    return {"day": row.day.isoformat(), "kind": row.kind, "note": row.note}


def set_day(session: Session, day: date, kind: str, note: str, *, actor: str, at: datetime) -> CalendarDay:
    """Declare `day` a day off or a working day (replacing what was declared for it); audited; flush only.

    CalendarDayInvalid when the day is outside the calendar, the kind unknown, the note empty or
    too long, or the day already is what it would be declared (a Saturday as a day off).
    """
    note = note.strip()
    problems: list[DayProblem] = []
    if not within_calendar(day):
        problems.append(DayProblem("day", BAD_DAY))
    if kind not in KINDS:
        problems.append(DayProblem("kind", UNKNOWN_KIND))
    if not note:
        problems.append(DayProblem("note", NOTE_EMPTY))
    elif len(note) > NOTE_LIMIT:
        problems.append(DayProblem("note", NOTE_TOO_LONG.format(limit=NOTE_LIMIT)))
    existing = session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if not problems:
        # Judged by the calendar without this day's own override: what declaring it would change.
        others = [row for row in session.scalars(select(CalendarDay)) if row.day != day]
        plain = WorkingCalendar(
            extra_holidays=[r.day for r in others if r.kind == DAY_OFF],
            extra_working_days=[r.day for r in others if r.kind == WORKING_DAY],
        )
        shown = day.strftime("%d/%m/%Y")
        if kind == DAY_OFF and not plain.is_working_day(day):
            problems.append(DayProblem("day", ALREADY_OFF.format(day=shown)))
        if kind == WORKING_DAY and plain.is_working_day(day):
            problems.append(DayProblem("day", ALREADY_WORKING.format(day=shown)))
    if problems:
        raise CalendarDayInvalid(problems)
    before = _plain(existing) if existing else None
    if existing is None:
        existing = CalendarDay(day=day, kind=kind, note=note, set_by=actor, set_at=at)
        session.add(existing)
    else:
        existing.kind, existing.note, existing.set_by, existing.set_at = kind, note, actor, at
    session.flush()
    _bump(session)
    audit.append(session, AUDIT_SET, actor=actor, at=at, before=before, after=_plain(existing))
    return existing


def remove_day(session: Session, day: date, *, actor: str, at: datetime) -> bool:
    """Take `day`'s override away (the day is as the official calendar has it); audited; False if none."""
    existing = session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if existing is None:
        return False
    before = _plain(existing)
    session.delete(existing)
    session.flush()
    _bump(session)
    audit.append(session, AUDIT_REMOVED, actor=actor, at=at, before=before)
    return True


def days_of_year(session: Session, year: int) -> list[CalendarDay]:
    """The overrides of one year, by day."""
    return list(
        session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )
