"""Sample cases at every stage, dated around today, so that a fresh installation has work to show.

Each case goes through the engine's public API as the users whose role it is, exactly like the
demo; only the letters differ (plausible propaganda and culture letters of a provincial Sở).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workflows.calendar import WorkingCalendar

from . import reference_case as case
from .rehearsal import Rehearsal
from .scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST


@dataclass(frozen=True)
class Letter:
    """An incoming letter that opens a sample case."""

    issuer: str
    number: str
    subject: str
    urgency: str = "thuong"


LETTERS = [
    Letter(
        "Ban Tuyên giáo Tỉnh ủy", "2290-CV/BTGTU", "Tuyên truyền kỷ niệm 95 năm Ngày thành lập Đảng Cộng sản Việt Nam"
    ),
    Letter(
        "Ủy ban nhân dân tỉnh Lạng Sơn",
        "1875/UBND-KGVX",
        "Tăng cường công tác phòng cháy, chữa cháy tại các di tích",
        "khan",
    ),
    Letter(
        "Bộ Văn hóa, Thể thao và Du lịch",
        "4120/BVHTTDL-VHCS",
        "Báo cáo kết quả thực hiện phong trào Toàn dân đoàn kết xây dựng đời sống văn hóa",
    ),
    Letter(
        "Ban Tuyên giáo Tỉnh ủy",
        "2315-CV/BTGTU",
        "Định hướng thông tin về công tác phòng, chống thiên tai mùa mưa bão",
        "thuong_khan",
    ),
    Letter(
        "Ban Tuyên giáo Tỉnh ủy",
        "2198-CV/BTGTU",
        "Tuyên truyền hưởng ứng Ngày Gia đình Việt Nam",
    ),
]


def _iso(day: date) -> str:
    return day.isoformat()


def _incoming(letter: Letter, received: date) -> dict[str, Any]:
    return {
        "incoming_issuer": letter.issuer,
        "incoming_number": letter.number,
        "incoming_date": _iso(received - timedelta(days=2)),
        "incoming_subject": letter.subject,
        "urgency": letter.urgency,
        "incoming_received_date": _iso(received),
    }


def _draft(letter: Letter, report_deadline: date) -> dict[str, Any]:
    data = case.draft()
    about = letter.subject[0].lower() + letter.subject[1:]
    basis = f"Thực hiện Công văn số {letter.number} của {letter.issuer} về việc {about}."
    data.update(draft_subject=letter.subject, draft_basis=basis, report_deadline=_iso(report_deadline))
    return data


Step = tuple[str, Callable[[], object]]


@dataclass
class SampleMaker:
    """Plans the sample cases as timed steps; `create_samples` runs all of them in time order."""

    new_rehearsal: Callable[[], Rehearsal]
    officer_of: Callable[[str], str]
    today: date
    calendar: WorkingCalendar

    def _day(self, working_days: int) -> str:
        return self.calendar.add_working_days(self.today, working_days).isoformat()

    def _opening(self, r: Rehearsal, letter: Letter, received: str) -> list[Step]:
        return [
            (f"{received} 08:00", lambda: r.start("directive_lifecycle", CLERK)),
            (
                f"{received} 08:05",
                lambda: r.do(CLERK, "register_incoming", _incoming(letter, date.fromisoformat(received))),
            ),
        ]

    def _instruct(self, r: Rehearsal, day: str, deadline: str) -> Step:
        return (f"{day} 09:30", lambda: r.do(DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": deadline}))

    def awaiting_instruction(self, letter: Letter) -> list[Step]:
        """Registered this morning; the director has yet to instruct."""
        return self._opening(self.new_rehearsal(), letter, self._day(0))

    def drafting(self, letter: Letter) -> list[Step]:
        """Instructed two working days ago; the specialist drafts, the deadline is close."""
        r = self.new_rehearsal()
        return [*self._opening(r, letter, self._day(-3)), self._instruct(r, self._day(-2), self._day(1))]

    def awaiting_signature(self, letter: Letter) -> list[Step]:
        """Drafted, returned once, approved; waiting for the deputy director's signature."""
        r = self.new_rehearsal()
        draft = _draft(letter, date.fromisoformat(self._day(10)))
        comment = "Bổ sung thời hạn báo cáo cụ thể."
        return [
            *self._opening(r, letter, self._day(-6)),
            self._instruct(r, self._day(-5), self._day(-1)),
            (f"{self._day(-4)} 10:00", lambda: r.do(SPECIALIST, "draft", draft)),
            (
                f"{self._day(-3)} 14:00",
                lambda: r.do(HEAD, "review_content", {"decision": "return", "comment": comment}),
            ),
            (f"{self._day(-2)} 09:00", lambda: r.do(SPECIALIST, "draft", draft)),
            (f"{self._day(-1)} 15:00", lambda: r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})),
        ]

    def with_units(self, letter: Letter) -> list[Step]:
        """Issued two weeks ago; some units reported, some have not, the deadline is in two days."""
        r = self.new_rehearsal()
        draft = _draft(letter, date.fromisoformat(self._day(2)))
        report_day = self._day(-3)

        def acknowledge() -> None:
            units = list(r.data()["recipients"])
            for unit in units[: len(units) * 2 // 3]:
                r.do(self.officer_of(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)

        def report() -> None:
            units = list(r.data()["recipients"])
            for index, unit in enumerate(units[: len(units) // 3]):
                r.do(self.officer_of(unit), "report", case.unit_report(index, report_day), unit=unit)

        return [
            *self._opening(r, letter, self._day(-12)),
            self._instruct(r, self._day(-11), self._day(-8)),
            (f"{self._day(-10)} 10:00", lambda: r.do(SPECIALIST, "draft", draft)),
            (f"{self._day(-9)} 10:00", lambda: r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})),
            (f"{self._day(-9)} 15:00", lambda: r.do(SIGNER, "sign", {"decision": "sign", "comment": ""})),
            (f"{self._day(-8)} 08:00", lambda: r.do(CLERK, "issue", {"issue_note": ""})),
            (f"{self._day(-7)} 09:00", acknowledge),
            (f"{report_day} 10:00", report),
        ]

    def to_consolidate(self, letter: Letter) -> list[Step]:
        """Every unit reported and was accepted; the report upward waits, drafted, for the specialist."""
        r = self.new_rehearsal()
        draft = _draft(letter, date.fromisoformat(self._day(-3)))
        report_day = self._day(-6)

        def all_report() -> None:
            units = list(r.data()["recipients"])
            for index, unit in enumerate(units):
                r.do(self.officer_of(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
                r.do(self.officer_of(unit), "report", case.unit_report(index, report_day), unit=unit)

        def all_accepted() -> None:
            for unit in list(r.data()["recipients"]):
                r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)

        return [
            *self._opening(r, letter, self._day(-20)),
            self._instruct(r, self._day(-19), self._day(-16)),
            (f"{self._day(-18)} 10:00", lambda: r.do(SPECIALIST, "draft", draft)),
            (f"{self._day(-17)} 10:00", lambda: r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})),
            (f"{self._day(-17)} 15:00", lambda: r.do(SIGNER, "sign", {"decision": "sign", "comment": ""})),
            (f"{self._day(-16)} 08:00", lambda: r.do(CLERK, "issue", {"issue_note": ""})),
            (f"{report_day} 10:00", all_report),
            (f"{self._day(-2)} 10:00", all_accepted),
        ]


def create_samples(new_rehearsal: Callable[[], Rehearsal], officer_of: Callable[[str], str], today: date) -> int:
    """Five cases, one at each stage an officer meets, played in time order; returns how many."""
    maker = SampleMaker(new_rehearsal, officer_of, today, WorkingCalendar())
    plans = [
        maker.awaiting_instruction,
        maker.drafting,
        maker.awaiting_signature,
        maker.with_units,
        maker.to_consolidate,
    ]
    steps = [step for plan, letter in zip(plans, LETTERS, strict=True) for step in plan(letter)]
    clock = new_rehearsal()
    # One timeline for all cases, so that the audit trail reads in the order things happened.
    for moment, action in sorted(steps, key=lambda step: step[0]):
        clock.at(moment)
        action()
    clock.tick()
    return len(plans)
