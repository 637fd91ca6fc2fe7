"""Working days in Vietnam, and the local times at which deadline reminders and escalations fire."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REMINDER_HOUR = time(8, 0)

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5

#: The days the calendar can tell about. The holidays package computes Vietnam's lunar holidays
#: (Tết, the Hùng Kings' day) for these years only and finds none outside them, which would make
#: every Tết a working day; so a day outside is refused rather than guessed. Forms accept dates in
#: this range and no other (workflows/forms/base.py), so no deadline arithmetic can leave it.
FIRST_DAY = date(1901, 1, 1)
LAST_DAY = date(2100, 12, 31)


class OutsideCalendar(ValueError):
    """A day, or a count of working days from one, that falls outside FIRST_DAY … LAST_DAY."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} is outside the working calendar ({FIRST_DAY} to {LAST_DAY})")
        self.day = day


def within_calendar(d: date) -> bool:
    """Whether the calendar knows day `d`."""
    return FIRST_DAY <= d <= LAST_DAY


def _known(d: date) -> date:
    if not within_calendar(d):
        raise OutsideCalendar(d)
    return d


class _OfficialYear(NamedTuple):
    days_off: frozenset[date]
    working_weekend_days: frozenset[date]


@lru_cache(maxsize=64)
def _official_year(year: int) -> _OfficialYear:
    """One year's official days off (holidays, compensatory days) and swapped working weekends."""
    # Building a holidays object computes the lunar calendar: do it once per year and process.
    official = holidays.country_holidays("VN", years=year)
    return _OfficialYear(
        days_off=frozenset(official.keys()),
        # Weekend days worked to lengthen a holiday elsewhere (e.g. Saturday 4 May 2024).
        working_weekend_days=frozenset(d for d in official.weekend_workdays if d.year == year),
    )


class WorkingCalendar:
    """Working days: Monday to Friday less Vietnamese public holidays, with admin overrides."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_working_days = frozenset(extra_working_days)
        clash = self._extra_holidays & self._extra_working_days
        if clash:
            days = ", ".join(d.isoformat() for d in sorted(clash))
            raise ValueError(f"days listed both as holiday and as working day: {days}")

    def is_working_day(self, d: date) -> bool:
        """Whether offices work on day `d`; OutsideCalendar for a day the calendar does not know."""
        _known(d)
        # Administrator data wins over the package, which may lag a late government decision.
        if d in self._extra_working_days:
            return True
        if d in self._extra_holidays:
            return False
        official = _official_year(d.year)
        if d in official.working_weekend_days:
            return True
        if d.weekday() >= _SATURDAY:
            return False
        return d not in official.days_off

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        # Checked before stepping: past LAST_DAY the next check raises, never date's OverflowError.
        d = _known(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        d = _known(d) - _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The `n`-th working day after `d` (before it if `n` < 0); for 0, `d` or the next one."""
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`."""
        # Counted so that add_working_days(a, working_days_between(a, b)) == b for a working day b.
        if b < a:
            return -self.working_days_between(b, a)
        _known(a), _known(b)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count


def reminder_time(deadline: date, calendar: WorkingCalendar, days_before: int = 2) -> datetime:
    """08:00 local time on the working day `days_before` working days before `deadline`."""
    if days_before < 0:
        raise ValueError(f"days_before must not be negative, got {days_before}")
    if days_before == 0:
        # On the deadline itself, or on the last working day before it if it is a day off.
        day = deadline if calendar.is_working_day(deadline) else calendar.previous_working_day(deadline)
    else:
        day = calendar.add_working_days(deadline, -days_before)
    return datetime.combine(day, REMINDER_HOUR, tzinfo=LOCAL_TZ)


def escalation_time(deadline: date) -> datetime:
    """Local midnight starting the day after `deadline`: the first moment a report is late."""
    return datetime.combine(_known(deadline) + _ONE_DAY, time(0, 0), tzinfo=LOCAL_TZ)
