"""The rule every deadline a person sets follows: from today on, and on a working day (docs/nd30.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError

from workflows.calendar import OutsideCalendar, WorkingCalendar
from workflows.forms import messages as msg
from workflows.forms.base import FormSchema, dmy
from workflows.forms.messages import Message


def deadline_problem(form: FormSchema, day: object, past: Message = msg.DEADLINE_PAST) -> Message | None:
    """What is wrong with a deadline, if anything: before today, or on a day offices do not work.

    A deadline before today (``form_context["today"]``) would be overdue the moment it is set. One
    on a weekend or holiday (by ``form_context["calendar"]``, the calendar deadlines are counted
    in) is refused rather than moved: the date is printed in the letter and on the handling slip as
    the leader chose it, so the person who sets it picks the working day; the message names one.
    """
    today, calendar = form.form_context.get("today"), form.form_context.get("calendar")
    if not isinstance(day, dt.date):
        return None
    if isinstance(today, dt.date) and day < today:
        return past.format(today=dmy(today))
    if isinstance(calendar, WorkingCalendar) and not calendar.is_working_day(day):
        return _day_off(day, calendar)
    return None


_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SATURDAY = 5


def _day_off(day: dt.date, calendar: WorkingCalendar) -> Message:
    """The day-off message for ``day``, naming the next working day (the one before at the calendar's end)."""
    try:
        suggestion = calendar.next_working_day(day)
    except OutsideCalendar:
        suggestion = calendar.previous_working_day(day)
    weekend = day.weekday() >= _SATURDAY
    return msg.DEADLINE_DAY_OFF.format(
        day=dmy(day),
        why_vi=_WEEKDAYS_VI[day.weekday()] if weekend else "ngày nghỉ lễ, nghỉ bù",
        why_en=_WEEKDAYS_EN[day.weekday()] if weekend else "a public or compensatory holiday",
        suggestion_vi=f"{_WEEKDAYS_VI[suggestion.weekday()]} {dmy(suggestion)}",
        suggestion_en=f"{_WEEKDAYS_EN[suggestion.weekday()]} {dmy(suggestion)}",
    )


def refuse_bad_deadline(form: FormSchema, data: dict[str, Any], field: str) -> None:
    """Refuse the form at `field` when its deadline is before today or on a day off."""
    problem = deadline_problem(form, data.get(field))
    if problem is not None:
        raise ValidationError(problem, field_name=field)
