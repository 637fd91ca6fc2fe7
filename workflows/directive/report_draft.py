"""The first draft of the report upward, written from the units' reports for the specialist to edit.

The figures are summed, each unit's narrative is quoted under its name with its own report's
number, date and figures, and the units that reported late are named. The specialist edits the
text on the consolidation step; nothing here is final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from workflows.directive.dates import short_date

#: How each figure reads in a sentence ("95 tin, bài"), in the order of the unit report form.
FIGURE_PHRASES: Final = {
    "articles": "tin, bài",
    "banners": "băng rôn, khẩu hiệu",
    "sessions": "buổi tuyên truyền",
    "participants": "lượt người tham dự",
    "online_posts": "bài đăng trên mạng xã hội, trang thông tin điện tử",
}
SUBJECT_MAX: Final = 500


@dataclass(frozen=True)
class Letter:
    """A document the report refers to: its number, date, issuer and subject."""

    number: str
    on: date
    issuer: str
    subject: str


def quantity(value: int) -> str:
    """A count with Vietnamese thousands separators: 2.175."""
    return f"{value:,}".replace(",", ".")


def figures_sentence(figures: Mapping[str, Any]) -> str:
    """ "95 tin, bài; 57 băng rôn, khẩu hiệu; …" for the figures that are not zero."""
    parts = [f"{quantity(int(figures.get(name) or 0))} {phrase}" for name, phrase in FIGURE_PHRASES.items()]
    shown = [part for part, name in zip(parts, FIGURE_PHRASES, strict=True) if int(figures.get(name) or 0)]
    return "; ".join(shown) if shown else "chưa có số liệu"


def _about(subject: str) -> str:
    return subject[:1].lower() + subject[1:] if subject else subject


def report_subject(incoming: Letter) -> str:
    """ "Kết quả thực hiện Công văn số 2104-CV/BTGTU ngày 03/3/2023 của … về việc …"."""
    cited = f"Kết quả thực hiện Công văn số {incoming.number} ngày {short_date(incoming.on)} của {incoming.issuer}"
    full = f"{cited} về việc {_about(incoming.subject)}"
    return full if len(full) <= SUBJECT_MAX else cited[:SUBJECT_MAX]


def report_body(
    *,
    agency_name: str,
    incoming: Letter,
    directive_number: str,
    directive_date: date,
    unit_reports: Sequence[Mapping[str, Any]],
    totals: Mapping[str, Any],
    unit_names: Mapping[str, str],
    recipients: int,
    stopped: Sequence[str] = (),
) -> str:
    """The report's text, one paragraph per line; `stopped` names the units whose part was stopped."""
    late = [unit_names.get(str(r["unit"]), str(r["unit"])) for r in unit_reports if not r.get("on_time", True)]
    lines = [
        f"Thực hiện Công văn số {incoming.number} ngày {short_date(incoming.on)} của {incoming.issuer} "
        f"về việc {_about(incoming.subject).rstrip('.')}, {agency_name} đã ban hành Công văn số "
        f"{directive_number} ngày {short_date(directive_date)} đề nghị {recipients} đơn vị triển khai "
        f"thực hiện. {agency_name} báo cáo kết quả như sau:",
        "I. KẾT QUẢ THỰC HIỆN",
        f"1. Tình hình báo cáo: {len(unit_reports)}/{recipients} đơn vị đã gửi báo cáo"
        + (f"; {len(late)} đơn vị báo cáo sau thời hạn ({', '.join(late)})" if late else ", đúng thời hạn")
        + (f"; {len(stopped)} đơn vị dừng thực hiện ({', '.join(stopped)})." if stopped else "."),
        f"2. Số liệu tổng hợp: {figures_sentence(totals)}.",
        "3. Kết quả của từng đơn vị:",
    ]
    for report in unit_reports:
        name = unit_names.get(str(report["unit"]), str(report["unit"]))
        lines.append(
            f"- {name}{_cited_report(report)}: {str(report.get('narrative', '')).strip()} "
            f"Số liệu: {figures_sentence(report.get('figures') or {})}."
        )
    lines += [
        "II. ĐÁNH GIÁ, ĐỀ XUẤT",
        f"Trên đây là báo cáo kết quả thực hiện Công văn số {incoming.number} của {agency_name}./.",
    ]
    return "\n".join(" ".join(line.split()) for line in lines)


def _cited_report(report: Mapping[str, Any]) -> str:
    number = str(report.get("report_number") or "").strip()
    day = report.get("report_date")
    when = f" ngày {short_date(date.fromisoformat(str(day)))}" if day else ""
    if number:
        return f" (Báo cáo số {number}{when})"
    return f" (báo cáo{when})" if when else ""
