"""Dates as people type them in forms: dd/mm/yyyy (the Vietnamese way) or yyyy-mm-dd (a date picker)."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from workflows.calendar import FIRST_DAY, LAST_DAY, within_calendar

_LOCAL = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class DayOutOfRange(ValueError):
    """A real day the product does not hold: outside the years its working calendar covers."""


def parse_day(text: str) -> date:
    """The day typed as dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd; ValueError for anything else or no such day.

    A real day outside the working calendar (year 1, year 9999) raises DayOutOfRange, so that the
    person is told the range rather than that the date is malformed.
    """
    value = text.strip()
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _LOCAL.fullmatch(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"not a date: {text!r}")
    parsed = date(year, month, day)
    if not within_calendar(parsed):
        raise DayOutOfRange(f"{parsed.isoformat()} is outside {FIRST_DAY} to {LAST_DAY}")
    return parsed


def out_of_range_message() -> str:
    """What a person reads when a typed day is outside the range the product holds."""
    return str(
        _(
            "Ngày phải trong khoảng từ %(first)s đến %(last)s.",
            first=FIRST_DAY.strftime("%d/%m/%Y"),
            last=LAST_DAY.strftime("%d/%m/%Y"),
        )
    )


def day_or_problem(text: str) -> tuple[date | None, str | None]:
    """A criterion's day typed in a search: (the day, None), (None, what is wrong), or (None, None) when blank."""
    if not text.strip():
        return None, None
    try:
        return parse_day(text), None
    except DayOutOfRange:
        return None, out_of_range_message()
    except ValueError:
        return None, str(_("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 06/03/2023."))
