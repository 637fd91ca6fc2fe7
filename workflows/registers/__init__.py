"""Registers of the records office (văn thư): numbering, incoming and outgoing registers.

Modules: ``numbering`` (per-agency, per-year sequences guaranteed by the database),
``incoming`` (Sổ đăng ký văn bản đến and its tracking), ``outgoing`` (Sổ đăng ký văn bản đi),
``models`` (the tables). This module holds only the package's exception hierarchy, so that the
submodules can import it without a cycle.
"""

from __future__ import annotations


class RegisterError(Exception):
    """Base class of the errors raised by the registers package."""


class NumberAlreadyIssued(RegisterError):
    """A number of a sequence was about to be given a second time (the counter was tampered with)."""

    def __init__(self, agency_code: str, sequence_key: str, year: int, number: int) -> None:
        super().__init__(
            f"number {number} of sequence {sequence_key!r} of {agency_code!r} in {year} has already been issued"
        )
        self.agency_code = agency_code
        self.sequence_key = sequence_key
        self.year = year
        self.number = number


class ArrivalNotFound(RegisterError):
    """No incoming document carries this arrival number (số đến) in that year."""

    def __init__(self, agency_code: str, year: int, arrival_number: int) -> None:
        super().__init__(f"no arrival number {arrival_number} of {agency_code!r} in {year}")
        self.agency_code = agency_code
        self.year = year
        self.arrival_number = arrival_number


class ArrivalClosed(RegisterError):
    """The tracking row of an incoming document is already closed by another reply."""

    def __init__(
        self,
        agency_code: str,
        year: int,
        arrival_number: int,
        reply_notation: str | None,
    ) -> None:
        super().__init__(
            f"arrival number {arrival_number} of {agency_code!r} in {year} is already closed by {reply_notation!r}"
        )
        self.agency_code = agency_code
        self.year = year
        self.arrival_number = arrival_number
        self.reply_notation = reply_notation


class StartingNumberRefused(RegisterError):
    """A year's starting number can no longer be set: it was set already, or numbers were given."""

    def __init__(self, agency_code: str, sequence_key: str, year: int, last_given: int, *, numbers_given: bool) -> None:
        reason = f"numbers up to {last_given} already given" if numbers_given else "the starting number is already set"
        super().__init__(f"starting number of sequence {sequence_key!r} of {agency_code!r} in {year}: {reason}")
        self.agency_code = agency_code
        self.sequence_key = sequence_key
        self.year = year
        self.last_given = last_given
        self.numbers_given = numbers_given


__all__ = ["ArrivalClosed", "ArrivalNotFound", "NumberAlreadyIssued", "RegisterError", "StartingNumberRefused"]
