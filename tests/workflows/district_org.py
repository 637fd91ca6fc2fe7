"""A second invented organisation that shares nothing with the reference chart: a district People's Committee.

Ủy ban nhân dân huyện Đồng Xuyên (invented) has no parent body on its letterhead, unit kinds of its
own (communes, schools, a cooperative), roles of its own (a district inspector, the chairman as the
head), the chairman's signing titles and the number code "UBND-<office>". Its chart is the file
``tests/data/charts/dong_xuyen.json``, loadable with ``directive-flow seed --file``; build a runtime
on it with :func:`tests.workflows.invented_org.invented_runtime`. It sends to 5 units; the variant of
:func:`chart_with_communes` to as many as asked (70 in the tests).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

from workflows.directive import reference_case
from workflows.directive.rehearsal import Rehearsal

CHART_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "charts" / "dong_xuyen.json"
CHART: Final[dict[str, Any]] = json.loads(CHART_FILE.read_text(encoding="utf-8"))

AGENCY, OFFICE, LEAD = "UBND_DX", "VPHU", "NNMT"
CLERK, CHAIRMAN, DEPUTY = "vt.ubnd", "ct.ubnd", "pct.ubnd"
HEAD, SPECIALIST, ADMIN = "tp.nnmt", "cv.nnmt", "qt.ubnd"
COMMUNES, SCHOOLS = "ubnd_cac_xa", "truong_thcs"
RECIPIENTS: Final = ["XA_BINHAN", "XA_THUONGLAM", "TT_DONGXUYEN", "THCS_BINHAN", "THCS_THUONGLAM"]
#: How the chart's names read on its documents.
HEADER, NOTATION, PLACE = "ỦY BAN NHÂN DÂN HUYỆN ĐỒNG XUYÊN", "UBND-NNMT", "Đồng Xuyên"
FULL_NAME = "Ủy ban nhân dân huyện Đồng Xuyên"

#: Names of the reference organisation and its letter that nothing of this organisation may show.
REFERENCE_NAMES: Final = (
    "Lạng Sơn",
    "LẠNG SƠN",
    "VHTTDL",
    "Văn hóa, Thể thao và Du lịch",
    "VĂN HÓA, THỂ THAO VÀ DU LỊCH",
    "QLVH",
    "Phan Văn Hòa",
    "2104-CV/BTGTU",
    "langson",
)

LETTER: Final = {
    "incoming_issuer": "Ban Chỉ đạo phòng, chống thiên tai huyện",
    "incoming_number": "12/BCĐ-PCTT",
    "incoming_date": "2023-03-01",
    "incoming_subject": "Chủ động ứng phó mưa lũ sớm năm 2023",
    "urgency": "khan",
    "incoming_received_date": "2023-03-06",
}
INSTRUCTION: Final = {
    "lead_division": LEAD,
    "supporting_divisions": [],
    "signer": DEPUTY,
    "handling_deadline": "2023-03-10",
    "instruction": "Giao Phòng Nông nghiệp và Môi trường tham mưu văn bản chỉ đạo các xã, trường.",
}


#: What the district asks each unit to count: figures of its own, not the reference letter's.
REPORT_FIGURES: Final = [
    {"name": "risk_sites", "label": "Số điểm có nguy cơ sạt lở, ngập úng", "unit": "điểm"},
    {"name": "standby_staff", "label": "Số người trực ứng phó", "unit": "người"},
]


def unit_report(index: int, report_date: str) -> dict[str, Any]:
    """The index-th unit's report: its own counts and a short narrative."""
    return {
        "report_number": f"{index + 3:02d}/BC-UBND",
        "report_date": report_date,
        "figures": {"risk_sites": 1 + index % 4, "standby_staff": 12 + 3 * index},
        "narrative": "Đã rà soát địa bàn, phân công lực lượng trực và thông báo tới các thôn, khu phố.",
    }


def draft(*groups: str) -> dict[str, Any]:
    """The Committee's letter to the given recipient groups; reports due Friday 24/03/2023.

    The texts are its own; what else the draft step asks for (the report's figures) is the
    reference draft's, so that this letter follows the form as it grows.
    """
    return {
        **reference_case.draft(),
        "draft_subject": "Chủ động ứng phó mưa lũ sớm năm 2023",
        "draft_urgency": "khan",
        "draft_basis": "Thực hiện Công văn số 12/BCĐ-PCTT ngày 01/3/2023 của Ban Chỉ đạo phòng, chống thiên tai huyện.",
        "draft_intro": "Ủy ban nhân dân huyện yêu cầu các đơn vị thực hiện một số nội dung sau:",
        "draft_tasks": [
            "Rà soát các điểm có nguy cơ sạt lở, ngập úng trên địa bàn.",
            "Phân công lực lượng trực ứng phó, báo cáo kết quả về Ủy ban nhân dân huyện.",
        ],
        "draft_closing": "Yêu cầu các đơn vị nghiêm túc thực hiện.",
        "recipient_groups": list(groups or (COMMUNES, SCHOOLS)),
        "report_deadline": "2023-03-24",
        "report_figures": [dict(figure) for figure in REPORT_FIGURES],
        "cc": [{"name": "Ban Chỉ đạo phòng, chống thiên tai huyện", "tag": "B/c"}],
    }


def chart_with_communes(total: int) -> dict[str, Any]:
    """The chart with invented communes added until its two groups reach `total` recipient units."""
    chart = copy.deepcopy(CHART)
    for number in range(1, total - len(RECIPIENTS) + 1):
        code = f"XA_MOI{number:02d}"
        chart["units"].append(
            {
                "code": code,
                "name": f"Ủy ban nhân dân xã Tân Lập {number}",
                "notation": f"UBND-TL{number:02d}",
                "kind": "commune",
                "parent_code": AGENCY,
                "valid_from": "2021-07-01",
            }
        )
        chart["users"].append(
            {
                "username": f"cb.xamoi{number:02d}",
                "full_name": f"Cán bộ xã số {number}",
                "initials": "CB",
                "position_title": "Công chức văn phòng - thống kê",
                "unit_code": code,
                "roles": [f"unit_officer@{code}"],
            }
        )
    return chart


def run_to_issue(r: Rehearsal) -> list[str]:
    """Register the district's letter (06/03/2023), instruct, draft, approve, sign and issue it (08/03); its units."""
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", LETTER)
    r.do(CHAIRMAN, "instruct", INSTRUCTION)
    r.at("2023-03-07 09:00")
    r.do(SPECIALIST, "draft", draft())
    r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.do(DEPUTY, "sign", {"decision": "sign", "comment": ""})
    r.at("2023-03-08 09:00")
    r.do(CLERK, "issue", {"issue_note": ""})
    return list(r.data()["recipients"])
