"""Working days in Vietnam and the reminder and escalation times derived from a deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from workflows.calendar import LOCAL_TZ, WorkingCalendar, escalation_time, reminder_time


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def test_tet_2023_is_off_from_20_to_26_january(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(d) for d in days(date(2023, 1, 20), date(2023, 1, 26)))
    assert calendar.is_working_day(date(2023, 1, 19))
    assert calendar.is_working_day(date(2023, 1, 27))
    # Two working days before Tết, one working day after: the week off counts for nothing.
    assert calendar.add_working_days(date(2023, 1, 18), 2) == date(2023, 1, 27)


def test_reunification_and_labour_day_2023_with_compensatory_days(
    calendar: WorkingCalendar,
) -> None:
    # Hùng Kings (Sat 29/4) and 30/4 (Sun) were compensated on 2/5 and 3/5.
    for d in days(date(2023, 4, 29), date(2023, 5, 3)):
        assert not calendar.is_working_day(d), d
    assert calendar.is_working_day(date(2023, 4, 28))
    assert calendar.next_working_day(date(2023, 4, 28)) == date(2023, 5, 4)


def test_national_day_2023(calendar: WorkingCalendar) -> None:
    # 2/9 fell on a Saturday: 1/9 (Friday) to 4/9 (Monday) were off.
    for d in days(date(2023, 9, 1), date(2023, 9, 4)):
        assert not calendar.is_working_day(d), d
    assert calendar.is_working_day(date(2023, 9, 5))


def test_weekend_is_skipped(calendar: WorkingCalendar) -> None:
    friday = date(2023, 3, 10)
    assert not calendar.is_working_day(date(2023, 3, 11))
    assert not calendar.is_working_day(date(2023, 3, 12))
    assert calendar.next_working_day(friday) == date(2023, 3, 13)
    assert calendar.add_working_days(friday, 1) == date(2023, 3, 13)
    assert calendar.add_working_days(friday, 5) == date(2023, 3, 17)


def test_zero_days_rolls_forward_only_from_a_day_off(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2023, 3, 8), 0) == date(2023, 3, 8)
    assert calendar.add_working_days(date(2023, 3, 11), 0) == date(2023, 3, 13)


def test_negative_days_go_back_over_weekends_and_holidays(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2023, 3, 13), -1) == date(2023, 3, 10)
    assert calendar.add_working_days(date(2023, 1, 27), -1) == date(2023, 1, 19)
    assert calendar.add_working_days(date(2023, 5, 4), -2) == date(2023, 4, 27)


def test_working_days_between_counts_after_start_up_to_end(calendar: WorkingCalendar) -> None:
    # Seed timeline: BTGTU letter of Fri 03/3/2023, reports due Fri 24/3/2023.
    assert calendar.working_days_between(date(2023, 3, 3), date(2023, 3, 24)) == 15
    assert calendar.working_days_between(date(2023, 3, 24), date(2023, 3, 3)) == -15
    assert calendar.working_days_between(date(2023, 1, 19), date(2023, 1, 27)) == 1
    assert calendar.working_days_between(date(2023, 3, 8), date(2023, 3, 8)) == 0
    start = date(2023, 3, 3)
    for end in days(start, date(2023, 5, 10)):
        if calendar.is_working_day(end):
            assert calendar.add_working_days(start, calendar.working_days_between(start, end)) == end


def test_swapped_saturday_2024_is_a_working_day(calendar: WorkingCalendar) -> None:
    # 2024: Saturday 4/5 was worked so that Monday 29/4 could be taken off.
    assert calendar.is_working_day(date(2024, 5, 4))
    assert not calendar.is_working_day(date(2024, 4, 29))


def test_administrator_overrides_win() -> None:
    extra_off = date(2023, 3, 8)
    extra_work = date(2023, 3, 11)
    calendar = WorkingCalendar(extra_holidays=[extra_off], extra_working_days=[extra_work])
    assert not calendar.is_working_day(extra_off)
    assert calendar.is_working_day(extra_work)
    assert calendar.next_working_day(date(2023, 3, 10)) == extra_work


def test_a_day_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(ValueError, match="2023-03-08"):
        WorkingCalendar(extra_holidays=[date(2023, 3, 8)], extra_working_days=[date(2023, 3, 8)])


def test_reminder_two_working_days_before_deadline_at_eight(calendar: WorkingCalendar) -> None:
    reminder = reminder_time(date(2023, 3, 24), calendar)
    assert reminder == datetime(2023, 3, 22, 8, 0, tzinfo=LOCAL_TZ)
    assert reminder.utcoffset() == timedelta(hours=7)


def test_reminder_skips_back_over_a_weekend(calendar: WorkingCalendar) -> None:
    assert reminder_time(date(2023, 3, 27), calendar) == datetime(2023, 3, 23, 8, tzinfo=LOCAL_TZ)
    assert reminder_time(date(2023, 3, 26), calendar, days_before=0) == datetime(2023, 3, 24, 8, tzinfo=LOCAL_TZ)


def test_escalation_at_midnight_after_deadline() -> None:
    escalation = escalation_time(date(2023, 3, 24))
    assert escalation == datetime(2023, 3, 25, 0, 0, tzinfo=LOCAL_TZ)
    assert escalation.isoformat() == "2023-03-25T00:00:00+07:00"
