"""The reference case as data: an incoming letter and the agency's directive that answers it.

The texts are those of the reference document (the sample organisation's directive of March 2023),
kept in ``data/reference_case.json``. The demo, the scenario tests and the benchmarks all use these
values, so what they show is the real case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_CASE: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "reference_case.json").read_text("utf-8"))

#: Who does each step of the reference case in the sample organisation's chart.
PEOPLE: dict[str, str] = _CASE["people"]
SUBJECT: str = _CASE["subject"]
INCOMING: dict[str, Any] = _CASE["incoming"]
BASIS: str = _CASE["basis"]
INTRO: str = _CASE["intro"]
TASKS: list[str] = _CASE["tasks"]
CLOSING: str = _CASE["closing"]
RECIPIENT_GROUPS: list[str] = _CASE["recipient_groups"]
CC: list[dict[str, str]] = _CASE["cc"]
INSTRUCTION: dict[str, Any] = _CASE["instruction"]
REPORT_DEADLINE: str = _CASE["report_deadline"]
#: What the units report: the propaganda figures of the letter, each a count with its unit of measure.
REPORT_FIGURES: list[dict[str, str]] = _CASE["report_figures"]


def draft(*, tasks: list[str] | None = None) -> dict[str, Any]:
    """The draft directive as the specialist enters it (all tasks unless told otherwise)."""
    return {
        "draft_subject": SUBJECT,
        "draft_basis": BASIS,
        "draft_intro": INTRO,
        "draft_tasks": list(TASKS if tasks is None else tasks),
        "draft_closing": CLOSING,
        "recipient_groups": list(RECIPIENT_GROUPS),
        "report_required": "yes",
        "report_deadline": REPORT_DEADLINE,
        "report_figures": [dict(item) for item in REPORT_FIGURES],
        "report_questions": [],
        "cc": [dict(item) for item in CC],
    }


def unit_report(index: int, report_date: str) -> dict[str, Any]:
    """A plausible report of the index-th unit: figures that differ per unit, a short narrative."""
    return {
        "report_number": f"{10 + index:02d}/BC",
        "report_date": report_date,
        "figures": {
            "articles": 2 + index % 5,
            "banners": 1 + index % 3,
            "sessions": 1 + index % 4,
            "participants": 40 + 15 * (index % 6),
            "online_posts": 3 + index % 7,
        },
        "narrative": _CASE["unit_narrative"],
    }
