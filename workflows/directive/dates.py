"""How a công văn writes dates (ND30 Phụ lục I): days below 10 and the months 1 and 2 take a 0."""

from __future__ import annotations

from datetime import date


def nd30_month(month: int) -> str:
    """ "01", "02", then "3" … "12"."""
    return f"{month:02d}" if month <= 2 else str(month)


def short_date(day: date) -> str:
    """ "03/3/2023": a date as a citation in the text writes it."""
    return f"{day.day:02d}/{nd30_month(day.month)}/{day.year}"
