"""The header of an edXML package as plain values, and the rules of số, ký hiệu (number, notation).

Names follow the elements of QCVN 102:2016/BTTTT (``MessageHeader`` and ``TraceHeaderList``);
see ``workflows.exchange.edxml`` for the format itself and the sources it follows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Final

#: ``Subject`` (trích yếu) is at most this many characters; the Bkav eDoc checker enforces it.
SUBJECT_MAX_LENGTH: Final = 500
#: ``OtherInfo/Priority``: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc (the project's reading).
PRIORITIES: Final = range(4)
_VIETNAM: Final = timezone(timedelta(hours=7))


def nfc(text: str) -> str:
    """``text`` in Unicode NFC, the composed form Vietnamese text is compared and stored in."""
    return unicodedata.normalize("NFC", text)


def local_time(moment: datetime) -> datetime:
    """``moment`` as the naive local time (UTC+7) that edXML timestamps carry; naive stays as is."""
    return moment if moment.tzinfo is None else moment.astimezone(_VIETNAM).replace(tzinfo=None)


@dataclass(frozen=True)
class Organ:
    """An organisation (``From`` or one ``To``): its electronic identifier and its name."""

    organ_id: str
    organ_name: str
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Code:
    """Số, ký hiệu: ``number`` "01" and ``notation`` "SNN-TT"; see `join_notation`."""

    number: str
    notation: str


@dataclass(frozen=True)
class PromulgationInfo:
    """Where and on which day the document was issued."""

    place: str
    promulgation_date: date


@dataclass(frozen=True)
class DocumentType:
    """The kind of document: a code and its name."""

    type_code: str
    type_name: str


@dataclass(frozen=True)
class SignerInfo:
    """Who signed: ``competence`` is the authority mark ("KT.", "TL.", "TM.") or "" for the head."""

    competence: str
    position: str
    full_name: str


@dataclass(frozen=True)
class OtherInfo:
    """Priority (see `PRIORITIES`) and the optional facts about the paper copies."""

    priority: int = 0
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None


@dataclass(frozen=True)
class TraceHeader:
    """One hop of the package: the organ that handled it, at a naive local time (see `local_time`)."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Header:
    """``MessageHeader`` and ``TraceHeaderList`` of a package."""

    from_organ: Organ
    to_organs: tuple[Organ, ...]
    document_id: str
    code: Code
    promulgation_info: PromulgationInfo
    document_type: DocumentType
    subject: str
    signer_info: SignerInfo
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    content: str | None = None
    due_date: date | None = None
    trace_headers: tuple[TraceHeader, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file carried by the package, e.g. the signed công văn as PDF or DOCX."""

    name: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Package:
    """What a package carries: its header and its files."""

    header: Header
    attachments: tuple[Attachment, ...] = ()


# --- Số, ký hiệu ------------------------------------------------------------------------------

_NUMBERED = re.compile(r"\s*([0-9]+)\s*[-/]\s*(\S.*?)\s*")
_YEAR_FIRST = re.compile(r"[0-9]{4}/")


def split_notation(text: str) -> tuple[str, str]:
    """Number and notation of a printed số, ký hiệu: "12-CV/TU" -> ("12", "CV/TU")."""
    match = _NUMBERED.fullmatch(nfc(text))
    if match is None:
        raise ValueError(f"not a number and notation: {text!r}")
    return match.group(1), match.group(2)


def join_notation(number: str, notation: str) -> str:
    """The printed số, ký hiệu of ``number`` and ``notation``, the inverse of `split_notation`."""
    number, notation = nfc(number).strip(), nfc(notation).strip()
    # State bodies write number "/" notation (ND30 Phụ lục I: 01/SNN-TT); Party bodies write
    # number "-" kind "/" body (12-CV/TU), so a notation holding "/" is Party style and joined
    # with "-". Exception: a normative act's notation starts with its year (30/2020/NĐ-CP) and is
    # State style.
    party_style = "/" in notation and not _YEAR_FIRST.match(notation)
    return f"{number}{'-' if party_style else '/'}{notation}"


def document_id(organ_id: str, promulgation_date: date, number: str, notation: str) -> str:
    """``DocumentId`` as the public SDKs form it: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"."""
    return f"{organ_id},{promulgation_date:%Y/%m/%d},{join_notation(number, notation)}"
