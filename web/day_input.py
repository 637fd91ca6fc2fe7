"""Dates as people type them in forms: dd/mm/yyyy (the Vietnamese way) or yyyy-mm-dd (a date picker)."""

from __future__ import annotations

import re
from datetime import date

_LOCAL = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_day(text: str) -> date:
    """The day typed as dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd; ValueError for anything else or no such day."""
    value = text.strip()
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _LOCAL.fullmatch(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"not a date: {text!r}")
    return date(year, month, day)
