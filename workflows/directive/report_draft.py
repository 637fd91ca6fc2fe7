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
from workflows.directive.report_definition import ReportDefinition, default_template

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


def figures_sentence(figures: Mapping[str, Any], definition: ReportDefinition | None = None) -> str:
    """ "95 tin, bài; 57 băng rôn, khẩu hiệu; …" for the figures of the definition that are not zero.

    Each figure reads as its count and its unit of measure; without a definition, the default
    template's figures.
    """
    defined = (definition or default_template().definition).figures
    shown = [f"{quantity(int(figures.get(f.name) or 0))} {f.unit}".rstrip() for f in defined if figures.get(f.name)]
    return "; ".join(shown) if shown else "chưa có số liệu"


def answers_text(answers: Mapping[str, Any], definition: ReportDefinition) -> str:
    """ "Câu hỏi: trả lời." for each question of the definition the unit answered."""
    found = [(q.text.rstrip(" :?."), str(answers.get(q.name) or "").strip()) for q in definition.questions]
    return " ".join(f"{text}: {answer.rstrip('.')}." for text, answer in found if answer)


def _about(subject: str) -> str:
    return subject[:1].lower() + subject[1:] if subject else subject


def report_subject(incoming: Letter) -> str:
    """ "Kết quả thực hiện Công văn số 15-CV/BTG ngày 03/3/2023 của … về việc …"."""
    cited = f"Kết quả thực hiện Công văn số {incoming.number} ngày {short_date(incoming.on)} của {incoming.issuer}"
    full = f"{cited} về việc {_about(incoming.subject)}"
    return full if len(full) <= SUBJECT_MAX else cited[:SUBJECT_MAX]


def report_body(
    *,
    agency_name: str,
    incoming: Letter | None,
    directive_number: str,
    directive_date: date,
    unit_reports: Sequence[Mapping[str, Any]],
    totals: Mapping[str, Any],
    unit_names: Mapping[str, str],
    recipients: int,
    stopped: Sequence[str] = (),
    directive_subject: str = "",
    definition: ReportDefinition | None = None,
) -> str:
    """The report's text, one paragraph per line; `stopped` names the units whose part was stopped.

    `incoming` is the letter the directive answers, None for a directive of the agency's own
    initiative (then the text is the summary of the units' results for the agency's leaders).
    `definition` gives the figures summed and the questions quoted (the default template's if None).
    """
    definition = definition or default_template().definition
    late = [unit_names.get(str(r["unit"]), str(r["unit"])) for r in unit_reports if not r.get("on_time", True)]
    issued = f"Công văn số {directive_number} ngày {short_date(directive_date)}"
    if incoming is not None:
        opening = (
            f"Thực hiện Công văn số {incoming.number} ngày {short_date(incoming.on)} của {incoming.issuer} "
            f"về việc {_about(incoming.subject).rstrip('.')}, {agency_name} đã ban hành {issued} đề nghị "
            f"{recipients} đơn vị triển khai thực hiện. {agency_name} báo cáo kết quả như sau:"
        )
        ending = f"Trên đây là báo cáo kết quả thực hiện Công văn số {incoming.number} của {agency_name}./."
    else:
        opening = (
            f"{agency_name} đã ban hành {issued} về việc {_about(directive_subject).rstrip('.')}, đề nghị "
            f"{recipients} đơn vị triển khai thực hiện. Kết quả thực hiện của các đơn vị như sau:"
        )
        ending = f"Trên đây là tổng hợp kết quả thực hiện Công văn số {directive_number} của các đơn vị./."
    lines = [
        opening,
        "I. KẾT QUẢ THỰC HIỆN",
        f"1. Tình hình báo cáo: {len(unit_reports)}/{recipients} đơn vị đã gửi báo cáo"
        + (f"; {len(late)} đơn vị báo cáo sau thời hạn ({', '.join(late)})" if late else ", đúng thời hạn")
        + (f"; {len(stopped)} đơn vị dừng thực hiện ({', '.join(stopped)})." if stopped else "."),
    ]
    if definition.figures:
        lines.append(f"2. Số liệu tổng hợp: {figures_sentence(totals, definition)}.")
    lines.append(f"{3 if definition.figures else 2}. Kết quả của từng đơn vị:")
    for report in unit_reports:
        name = unit_names.get(str(report["unit"]), str(report["unit"]))
        answered = answers_text(report.get("answers") or {}, definition)
        counted = (
            f" Số liệu: {figures_sentence(report.get('figures') or {}, definition)}." if definition.figures else ""
        )
        lines.append(
            f"- {name}{_cited_report(report)}: {str(report.get('narrative', '')).strip()}"
            + (f" {answered}" if answered else "")
            + counted
        )
    lines += ["II. ĐÁNH GIÁ, ĐỀ XUẤT", ending]
    return "\n".join(" ".join(line.split()) for line in lines)


def _cited_report(report: Mapping[str, Any]) -> str:
    number = str(report.get("report_number") or "").strip()
    day = report.get("report_date")
    when = f" ngày {short_date(date.fromisoformat(str(day)))}" if day else ""
    if number:
        return f" (Báo cáo số {number}{when})"
    return f" (báo cáo{when})" if when else ""
