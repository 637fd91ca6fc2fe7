"""The reference case, step by step, as the officers of the Sở and of the units would do it.

Used by `directive-flow demo`, the scenario tests and the benchmarks. Every step goes through the
engine's public API as the user whose role it is; the engine checks that they may.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import reference_case as case
from .rehearsal import Rehearsal

CLERK, DIRECTOR, SIGNER = case.PEOPLE["clerk"], case.PEOPLE["director"], case.PEOPLE["signer"]
HEAD, SPECIALIST = case.PEOPLE["head"], case.PEOPLE["specialist"]
RETURN_COMMENT = "Đề nghị bổ sung các hình thức tuyên truyền trên internet, mạng xã hội (mục 4)."
ASSESSMENT = (
    "Các đơn vị đã triển khai đầy đủ, kịp thời các nội dung tuyên truyền; đề nghị Ban Tuyên giáo Tỉnh ủy "
    "tiếp tục cung cấp tài liệu định hướng để các đơn vị tuyên truyền trong thời gian tới."
)
MORE_COMMENT = "Báo cáo chưa có số liệu cụ thể về tin, bài đăng trên mạng xã hội; đề nghị bổ sung."


@dataclass
class Outcome:
    """What the rehearsal produced, for the trail and the checks."""

    case_id: int
    units: list[str] = field(default_factory=list)
    late_unit: str | None = None
    more_unit: str | None = None


def register_and_instruct(r: Rehearsal) -> None:
    """Steps 1–2: the clerk registers the reference letter; the director instructs."""
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", case.INCOMING)
    r.at("2023-03-06 09:30")
    r.do(DIRECTOR, "instruct", case.INSTRUCTION)


def draft_and_approve(r: Rehearsal, *, return_once: bool = True) -> None:
    """Steps 3–6: draft, a return with a comment, the redraft, content approval, signature."""
    if return_once:
        r.at("2023-03-07 09:00")
        r.do(SPECIALIST, "draft", case.draft(tasks=case.TASKS[:3] + case.TASKS[4:]))
        r.at("2023-03-07 14:00")
        r.do(HEAD, "review_content", {"decision": "return", "comment": RETURN_COMMENT})
    r.at("2023-03-08 08:30")
    r.do(SPECIALIST, "draft", case.draft())
    r.at("2023-03-08 10:00")
    r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do(SIGNER, "sign", {"decision": "sign", "comment": ""})


def issue(r: Rehearsal) -> list[str]:
    """Step 7: the clerk issues; the system numbers it and starts one child per recipient unit."""
    r.at("2023-03-09 08:00")
    r.do(CLERK, "issue", {"issue_note": "Phát hành qua Hệ thống quản lý văn bản và điều hành."})
    return list(r.data()["recipients"])


def units_carry_out(r: Rehearsal, units: list[str], officer_of: Callable[[str], str], outcome: Outcome) -> None:
    """Steps 8–9: every unit acknowledges and reports; one is asked for more, one reports late."""
    outcome.more_unit, outcome.late_unit = units[1], units[-1]
    r.at("2023-03-09 15:00")
    for unit in units:
        r.do(officer_of(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    for index, unit in enumerate(units[:-1]):
        r.at(f"2023-03-{15 + index % 5:02d} 10:00")
        r.do(officer_of(unit), "report", case.unit_report(index, f"2023-03-{15 + index % 5:02d}"), unit=unit)
    r.at("2023-03-20 09:00")
    for unit in units[:-1]:
        if unit == outcome.more_unit:
            r.do(
                SPECIALIST,
                "review_report",
                {"decision": "more", "comment": MORE_COMMENT, "resubmit_by": "2023-03-23"},
                unit=unit,
            )
        else:
            r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    # The reminder (2 working days before 24/3) reaches the late unit and the one asked for more.
    r.at("2023-03-22 08:05")
    r.tick()
    r.at("2023-03-22 10:00")
    r.do(officer_of(outcome.more_unit), "report", case.unit_report(1, "2023-03-22"), unit=outcome.more_unit)
    r.at("2023-03-22 15:00")
    r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=outcome.more_unit)
    # The deadline passes: the escalation fires for the unit that has not reported.
    r.at("2023-03-25 00:10")
    r.tick()
    r.at("2023-03-27 09:00")
    r.do(officer_of(outcome.late_unit), "report", case.unit_report(len(units), "2023-03-27"), unit=outcome.late_unit)
    r.at("2023-03-27 14:00")
    r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=outcome.late_unit)
    r.tick()


def report_upward(r: Rehearsal) -> None:
    """Steps 10–11: consolidation, the report's signature and issue; the tracking row closes."""
    r.at("2023-03-28 09:00")
    # The system drafted the report from the units' reports; the specialist adds the assessment.
    drafted = r.data()
    *text, closing = str(drafted["report_body"]).splitlines()
    body = "\n".join([*text, ASSESSMENT, closing])
    r.do(SPECIALIST, "consolidate", {"report_subject": drafted["report_subject"], "report_body": body})
    r.at("2023-03-29 09:00")
    r.do(SIGNER, "sign_report", {"decision": "sign", "comment": ""})
    r.at("2023-03-29 14:00")
    r.do(CLERK, "issue_report", {"issue_note": ""})


def run_reference_case(r: Rehearsal, officer_of: Callable[[str], str]) -> Outcome:
    """The whole lifecycle of the reference case, registration to the report upward."""
    register_and_instruct(r)
    draft_and_approve(r)
    units = issue(r)
    outcome = Outcome(case_id=r.case_id or 0, units=units)
    units_carry_out(r, units, officer_of, outcome)
    report_upward(r)
    return outcome
